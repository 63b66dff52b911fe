using System.Collections.Concurrent;
using Klaviyo.Destinations.Tests.Durability;

namespace Klaviyo.Destinations.Tests.Integrity;

/// <summary>One event Klaviyo answers 5xx for, every time, must not take the rest of its batch with it.</summary>
public sealed class PoisonBatchTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Two_hundred_good_events_and_one_poisoned_one_deliver_200_and_dead_letter_only_the_culprit_with_Klaviyos_answer()
    {
        var klaviyo = new ScriptedKlaviyo
        {
            Script = (_, body) => body.Contains("POISON", StringComparison.Ordinal) ? ScriptedKlaviyo.ServerError("The server could not process this event.") : null,
        };
        var outcomes = new ConcurrentQueue<DeliveryOutcome>();
        var options = new KlaviyoDestinationOptions
        {
            ApiKey = "pk_poison_test",
            BaseUrl = new Uri("http://127.0.0.1:9"),
            QueuePath = _dir.File("queue.db"),
            RetryBaseDelay = TimeSpan.FromMilliseconds(1),
            MaxRetryDelay = TimeSpan.FromMilliseconds(5),
            MaxAttempts = 4,
            FlushCount = 1000,
            FlushInterval = TimeSpan.FromHours(1),
            OnOutcome = outcomes.Enqueue,
        };
        using var http = new HttpClient(klaviyo);
        await using (var analytics = new Analytics(options, http))
        {
            for (var i = 0; i < 201; i++)
            {
                var name = i == 137 ? "POISON" : "Viewed";
                analytics.Track($"user-{i}", name, new Dictionary<string, object?> { ["email"] = $"u{i}@example.com", ["n"] = i });
            }
            await analytics.FlushAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        }

        Assert.Equal(200, outcomes.Count(o => o.Status == DeliveryStatus.Delivered));
        var expired = Assert.Single(outcomes, o => o.Status == DeliveryStatus.Expired);
        Assert.Equal("user-137", expired.UserId);
        Assert.Contains("500", expired.Reason);
        Assert.Contains("The server could not process this event.", expired.Reason);
        await using var queue = new SqliteEventQueue(options.QueuePath!);
        var letter = Assert.Single(await queue.ListDeadLettersAsync());
        Assert.Equal("user-137", letter.UserId);
        Assert.Contains("The server could not process this event.", letter.Reason);
        // The bisection costs about log2(201) probes, not a request per event.
        Assert.True(klaviyo.Requests.Count < 40, $"{klaviyo.Requests.Count} requests");
    }

    [Fact]
    public async Task An_outage_is_not_mistaken_for_a_poisoned_item_every_item_is_retried_and_nothing_is_split_into_single_requests()
    {
        var failures = 0;
        var twelveFailures = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var klaviyo = new ScriptedKlaviyo();
        klaviyo.Script = (_, _) =>
        {
            if (Volatile.Read(ref failures) >= 12) return null;
            if (Interlocked.Increment(ref failures) == 12) twelveFailures.TrySetResult();
            return ScriptedKlaviyo.ServerError("Outage.");
        };
        var outcomes = new ConcurrentQueue<DeliveryOutcome>();
        var options = new KlaviyoDestinationOptions
        {
            ApiKey = "pk_poison_test",
            BaseUrl = new Uri("http://127.0.0.1:9"),
            QueueStorage = QueueStorage.Memory,
            RetryBaseDelay = TimeSpan.FromMilliseconds(1),
            MaxRetryDelay = TimeSpan.FromMilliseconds(5),
            MaxAttempts = 50,
            FlushCount = 1000,
            FlushInterval = TimeSpan.FromHours(1),
            OnOutcome = outcomes.Enqueue,
        };
        using var http = new HttpClient(klaviyo);
        await using var analytics = new Analytics(options, http);
        for (var i = 0; i < 100; i++)
            analytics.Track($"user-{i}", "Viewed", new Dictionary<string, object?> { ["email"] = $"u{i}@example.com" });
        var flush = analytics.FlushAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        await twelveFailures.Task.WaitAsync(TimeSpan.FromSeconds(60));
        await flush;

        Assert.Equal(100, outcomes.Count(o => o.Status == DeliveryStatus.Delivered));
        Assert.DoesNotContain(klaviyo.Requests, r => r.Path == "/api/events");
    }
}
