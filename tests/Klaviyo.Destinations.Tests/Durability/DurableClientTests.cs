using System.Collections.Concurrent;
using Klaviyo.Emulator;

namespace Klaviyo.Destinations.Tests.Durability;

/// <summary>The client with a durable queue against the emulator: awaitable hand-off, shutdown keeps items, dead letters, overflow.</summary>
public sealed class DurableClientTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private readonly ConcurrentQueue<DeliveryOutcome> _outcomes = new();
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));
    private KlaviyoEmulator _klaviyo = null!;

    public async Task InitializeAsync() => _klaviyo = await KlaviyoEmulator.StartAsync(new KlaviyoEmulatorOptions { Port = 0, RateLimitsEnabled = false });

    public async Task DisposeAsync()
    {
        await _klaviyo.DisposeAsync();
        _timeout.Dispose();
        _dir.Dispose();
    }

    private string DbPath => _dir.File("queue.db");

    private KlaviyoDestinationOptions Options(Action<KlaviyoDestinationOptions>? configure = null)
    {
        var options = new KlaviyoDestinationOptions
        {
            ApiKey = "pk_durable_secret",
            BaseUrl = _klaviyo.BaseAddress,
            QueuePath = DbPath,
            RetryBaseDelay = TimeSpan.FromMilliseconds(2),
            MaxRetryDelay = TimeSpan.FromMilliseconds(20),
            FlushInterval = TimeSpan.FromMilliseconds(20),
            OnOutcome = _outcomes.Enqueue,
        };
        configure?.Invoke(options);
        return options;
    }

    private static Dictionary<string, object?> Props(int n) => new() { ["n"] = n };

    [Fact]
    public async Task TrackAsync_completes_when_the_event_is_on_disk_and_says_false_for_a_rejected_call()
    {
        await using (var analytics = new Analytics(Options()))
        {
            Assert.True(analytics.Destination.IsDurable);
            Assert.True(await analytics.IdentifyAsync("u-1", new Dictionary<string, object?> { ["email"] = "ada@example.com" }));
            Assert.True(await analytics.TrackAsync("u-1", "Signed Up", Props(1), new MessageOptions { MessageId = "m-1" }));
            Assert.False(await analytics.TrackAsync(null, "No Identity", Props(2)));
            await analytics.FlushAsync(_timeout.Token);
        }
        Assert.Contains(_outcomes, o => o.Status == DeliveryStatus.Rejected && o.Reason is not null);
        Assert.Single(_klaviyo.State.Events, e => e.UniqueId == "m-1");

        await using var memory = new Analytics(Options(o => { o.QueuePath = null; o.QueueStorage = QueueStorage.Memory; }));
        Assert.False(memory.Destination.IsDurable);
        Assert.True(await memory.TrackAsync("u-1", "Signed Up", Props(3)));
    }

    [Fact]
    public async Task Items_undelivered_at_shutdown_stay_on_disk_without_an_expired_outcome_and_the_next_run_delivers_them()
    {
        _klaviyo.GoDown(TimeSpan.FromMinutes(5));
        await using (var analytics = new Analytics(Options(o => o.ShutdownTimeout = TimeSpan.FromMilliseconds(200))))
        {
            for (var n = 0; n < 50; n++)
                Assert.True(await analytics.TrackAsync($"u-{n % 5}", "Kept", Props(n), new MessageOptions { MessageId = $"kept-{n}" }));
        }
        Assert.DoesNotContain(_outcomes, o => o.Status == DeliveryStatus.Expired);
        Assert.Empty(_klaviyo.State.Events);

        _klaviyo.ClearFaults();
        var queue = new SqliteEventQueue(DbPath);
        Assert.Equal(50, queue.StoredCount);
        await using (var next = new Analytics(Options(), queue: queue))
        {
            // The next run counts them as pending, and FlushAsync waits for them like for its own calls.
            Assert.InRange(next.Destination.Pending, 1, 50);
            await next.FlushAsync(_timeout.Token);
            Assert.Equal(0, next.Destination.Pending);
            Assert.Equal(50, _klaviyo.State.Events.Count(e => e.MetricName == "Kept"));
            Assert.Equal(0, queue.StoredCount);
        }
        Assert.Equal(50, _outcomes.Count(o => o.Status == DeliveryStatus.Delivered));
    }

    /// <summary>
    /// An item that Klaviyo keeps refusing on its own (not an outage: the others are accepted, so delivery is not
    /// paused) becomes a dead letter after MaxAttempts, with Klaviyo's answer; a replay delivers it once it can be.
    /// </summary>
    [Fact]
    public async Task Items_past_the_attempt_cap_become_dead_letters_with_the_reason_and_a_replay_delivers_them()
    {
        var broken = 1;
        var klaviyo = new Integrity.ScriptedKlaviyo
        {
            Script = (_, body) => Volatile.Read(ref broken) == 1 && body.Contains("Stuck", StringComparison.Ordinal)
                ? Integrity.ScriptedKlaviyo.ServerError("The server could not process this event.") : null,
        };
        using var http = new HttpClient(klaviyo);
        var queue = new SqliteEventQueue(DbPath);
        await using (var analytics = new Analytics(Options(o => { o.MaxAttempts = 2; o.BaseUrl = new Uri("http://127.0.0.1:9"); }), http, queue: queue))
        {
            for (var n = 0; n < 40; n++) analytics.Track($"u-{n}", "Fine", Props(n), new MessageOptions { MessageId = $"fine-{n}" });
            analytics.Track("u-stuck", "Stuck", Props(0), new MessageOptions { MessageId = "stuck-0" });
            await analytics.FlushAsync(_timeout.Token);
            Assert.Equal(40, _outcomes.Count(o => o.Status == DeliveryStatus.Delivered));
            Assert.Equal("stuck-0", Assert.Single(_outcomes, o => o.Status == DeliveryStatus.Expired).MessageId);
            await queue.WhenWrittenAsync().WaitAsync(_timeout.Token);
            var letter = Assert.Single(await queue.ListDeadLettersAsync(cancellationToken: _timeout.Token));
            Assert.Equal("stuck-0", letter.UniqueId);
            Assert.Contains("500", letter.Reason);
            Assert.Contains("The server could not process this event.", letter.Reason);
            Assert.Equal(2, letter.Attempts);

            Volatile.Write(ref broken, 0);
            Assert.Equal(1, await queue.ReplayDeadLettersAsync(cancellationToken: _timeout.Token));
            // Replayed items were accepted by no call of this run; FlushAsync still waits for them.
            await analytics.FlushAsync(_timeout.Token);
            Assert.Contains(_outcomes, o => o.Status == DeliveryStatus.Delivered && o.MessageId == "stuck-0");
            Assert.Equal(0, queue.StoredCount);
        }
    }

    [Fact]
    public async Task Over_the_disk_budget_a_call_is_refused_with_a_rejected_outcome_and_nothing_accepted_is_lost()
    {
        _klaviyo.GoDown(TimeSpan.FromMinutes(5));
        var accepted = 0;
        await using (var analytics = new Analytics(Options(o =>
        {
            o.MaxQueueBytes = 64 * 1024;
            o.ShutdownTimeout = TimeSpan.Zero;
        })))
        {
            var big = new Dictionary<string, object?> { ["blob"] = new string('b', 2_000) };
            for (var n = 0; n < 100; n++)
                if (await analytics.TrackAsync("u-1", "Big", big, new MessageOptions { MessageId = $"big-{n}" })) accepted++;
        }
        var refused = _outcomes.Where(o => o.Status == DeliveryStatus.Rejected).ToList();
        Assert.InRange(accepted, 10, 40);
        Assert.Equal(100 - accepted, refused.Count);
        Assert.All(refused, o => Assert.Contains("disk budget", o.Reason));

        _klaviyo.ClearFaults();
        var queue = new SqliteEventQueue(DbPath);
        await using (new Analytics(Options(), queue: queue))
            await queue.WaitUntilEmptyAsync(_timeout.Token);
        Assert.Equal(accepted, _klaviyo.State.Events.Count(e => e.MetricName == "Big"));
    }
}
