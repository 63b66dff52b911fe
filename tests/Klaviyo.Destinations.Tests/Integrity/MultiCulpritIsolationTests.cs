using System.Collections.Concurrent;
using System.Text;
using Klaviyo.Destinations.Tests.Durability;
using Klaviyo.Emulator;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Klaviyo.Destinations.Tests.Integrity;

/// <summary>
/// Poison isolation with more than one culprit, on one batch as it leaves a durable queue: the events are stored first,
/// so they go out as one bulk request (asserted), then Klaviyo (the emulator behind <see cref="PoisonedEmulator"/>)
/// answers 500 for every request holding a poisoned event. Every good event must be stored once, every culprit
/// dead-lettered alone with Klaviyo's answer, and an outage must never be taken apart item by item.
/// </summary>
public sealed class MultiCulpritIsolationTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private KlaviyoEmulator _emulator = null!;
    private PoisonedEmulator _klaviyo = null!;

    public async Task InitializeAsync()
    {
        _emulator = await KlaviyoEmulator.StartAsync(new KlaviyoEmulatorOptions { Port = 0, RateLimitsEnabled = false });
        _klaviyo = new PoisonedEmulator(_emulator);
    }

    public async Task DisposeAsync()
    {
        _klaviyo.Dispose();
        await _emulator.DisposeAsync();
        _dir.Dispose();
    }

    private string QueuePath => _dir.File("queue.db");

    private static string Id(int n) => $"evt-{n:D3}";

    private static QueuedItem Event(int n, bool poisoned) => new()
    {
        Kind = ItemKind.Event,
        MessageId = Id(n),
        UserId = $"user-{n}",
        UserKey = $"user-{n}",
        Profile = Encoding.UTF8.GetBytes($$"""{"email":"u{{n}}@example.com"}"""),
        Properties = Encoding.UTF8.GetBytes(poisoned ? $$"""{"n":{{n}},"note":"{{PoisonedEmulator.Marker}}"}""" : $$"""{"n":{{n}}}"""),
        Metric = "Viewed",
        UniqueId = Id(n),
        Time = new DateTimeOffset(2026, 8, 3, 12, 0, 0, TimeSpan.Zero).AddSeconds(n),
        AcceptedAt = new DateTimeOffset(2026, 8, 3, 12, 0, 0, TimeSpan.Zero),
    };

    /// <summary>Stores <paramref name="count"/> events (the poisoned ones at <paramref name="poisoned"/>) in the durable queue, as an earlier run would have left them.</summary>
    private async Task StoreAsync(int count, params int[] poisoned)
    {
        await using var queue = new SqliteEventQueue(new SqliteEventQueueOptions { Path = QueuePath, SyncToDisk = false });
        var items = Enumerable.Range(0, count).Select(n => Event(n, poisoned.Contains(n))).ToList();
        foreach (var item in items) Assert.True(queue.Enqueue(item).Accepted);
        foreach (var item in items) Assert.True(await queue.WhenDurableAsync(item, CancellationToken.None));
    }

    /// <summary>
    /// Starts delivery of the <paramref name="count"/> stored events and waits until each has its outcome. The batch
    /// becomes due only when all of them are read (FlushCount = <paramref name="count"/>, no interval, no forced
    /// flush), so they leave as one request, as a backlog does after a restart.
    /// </summary>
    private async Task<List<DeliveryOutcome>> DeliverAsync(int count, int maxAttempts = 4)
    {
        var outcomes = new ConcurrentQueue<DeliveryOutcome>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = new KlaviyoDestinationOptions
        {
            ApiKey = "pk_multi_culprit",
            BaseUrl = _emulator.BaseAddress,
            QueuePath = QueuePath,
            RetryBaseDelay = TimeSpan.FromMilliseconds(1),
            MaxRetryDelay = TimeSpan.FromMilliseconds(5),
            MaxAttempts = maxAttempts,
            PausedProbeInterval = TimeSpan.FromMilliseconds(20),
            FlushCount = count,
            FlushInterval = TimeSpan.FromHours(1),
            OnOutcome = o =>
            {
                outcomes.Enqueue(o);
                if (outcomes.Count == count) all.TrySetResult();
            },
        };
        using var http = new HttpClient(_klaviyo, disposeHandler: false);
        var logs = new CapturingLoggerProvider();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Debug));
        try
        {
            await using var analytics = new Analytics(options, http, loggers);
            await all.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        finally
        {
            output.WriteLine($"{outcomes.Count} outcomes");
            foreach (var e in logs.Entries.Where(e => !e.Contains("Delivered", StringComparison.Ordinal) && !e.StartsWith("Debug", StringComparison.Ordinal) && !e.StartsWith("Trace", StringComparison.Ordinal)).Take(60))
                output.WriteLine(e.Length > 400 ? e[..400] : e);
            foreach (var r in _klaviyo.Requests)
                output.WriteLine($"{r.Path} {r.Status} × {r.Ids.Count}{(r.Ids.Count is > 0 and < 4 ? " " + string.Join(",", r.Ids) : "")}");
        }
        return [.. outcomes];
    }

    /// <summary>The first request carried the whole stored batch, the poisoned events where the test put them.</summary>
    private void AssertOneBatch(int count, params int[] poisoned)
    {
        var first = _klaviyo.ItemRequests()[0];
        Assert.Equal("/api/event-bulk-create-jobs", first.Path);
        Assert.Equal(Enumerable.Range(0, count).Select(Id), first.Ids);
        Assert.All(poisoned, p => Assert.Equal(Id(p), first.Ids[p]));
    }

    /// <summary>Every good event stored once by the emulator and carried by exactly one accepted request; the culprits dead-lettered alone.</summary>
    private async Task AssertIsolatedAsync(List<DeliveryOutcome> outcomes, int count, params int[] poisoned)
    {
        var good = Enumerable.Range(0, count).Where(n => !poisoned.Contains(n)).Select(Id).ToList();
        Assert.Equal(good.Order(StringComparer.Ordinal), outcomes.Where(o => o.Status == DeliveryStatus.Delivered).Select(o => o.MessageId).Order(StringComparer.Ordinal));
        var expired = outcomes.Where(o => o.Status == DeliveryStatus.Expired).ToList();
        Assert.Equal(poisoned.Select(Id).Order(StringComparer.Ordinal), expired.Select(o => o.MessageId).Order(StringComparer.Ordinal));
        Assert.All(expired, o => Assert.Contains(PoisonedEmulator.Detail, o.Reason));
        Assert.All(expired, o => Assert.Contains("500", o.Reason));

        var stored = _emulator.State.Events.Select(e => e.UniqueId!).ToList();
        Assert.Equal(good.Order(StringComparer.Ordinal), stored.Order(StringComparer.Ordinal));
        Assert.Equal(0, _emulator.State.DuplicateEventsDropped);
        var carriers = _klaviyo.AcceptedCarriers();
        Assert.All(good, id => Assert.Equal(1, carriers.GetValueOrDefault(id)));

        // Each culprit ends alone: its last requests carried it and nothing else.
        var items = _klaviyo.ItemRequests();
        Assert.All(poisoned, p => Assert.Equal([Id(p)], items.Last(r => r.Ids.Contains(Id(p))).Ids));

        await using var queue = new SqliteEventQueue(QueuePath);
        var letters = await queue.ListDeadLettersAsync();
        Assert.Equal(poisoned.Select(Id).Order(StringComparer.Ordinal), letters.Select(l => l.MessageId).Order(StringComparer.Ordinal));
        Assert.All(letters, l => Assert.Contains(PoisonedEmulator.Detail, l.Reason));
        Assert.Equal(0, queue.Count);
    }

    private void Report(string scenario)
    {
        var items = _klaviyo.ItemRequests();
        output.WriteLine($"{scenario}: {items.Count} requests with items ({items.Count(r => r.Status >= 500)} answered 5xx, {items.Count(r => r.Ids.Count == 1)} single-item)");
    }

    [Fact]
    public async Task Two_poisoned_events_one_in_each_half_of_one_stored_batch_are_both_found_and_the_200_good_ones_are_delivered_once()
    {
        int[] poisoned = [37, 160];
        await StoreAsync(202, poisoned);

        var outcomes = await DeliverAsync(202);

        Report("2 culprits in 202");
        AssertOneBatch(202, poisoned);
        await AssertIsolatedAsync(outcomes, 202, poisoned);
        // The culprits' own failures never paused delivery for everyone (a pause is ended by a GET /api/accounts probe).
        Assert.DoesNotContain(_klaviyo.Requests, r => r.Path == "/api/accounts");
        // About k·log2(n) probes: 2 culprits in 202 events, not a request per event.
        Assert.True(_klaviyo.ItemRequests().Count <= 40, $"{_klaviyo.ItemRequests().Count} requests");
    }

    [Fact]
    public async Task Three_poisoned_events_in_three_quarters_are_each_found_alone_and_retried_to_MaxAttempts()
    {
        int[] poisoned = [10, 60, 150];
        await StoreAsync(202, poisoned);

        var outcomes = await DeliverAsync(202, maxAttempts: 10);

        Report("3 culprits in 202");
        AssertOneBatch(202, poisoned);
        await AssertIsolatedAsync(outcomes, 202, poisoned);
        // Each culprit was tried to MaxAttempts: 10 attempts counted (probes are not attempts).
        await using (var queue = new SqliteEventQueue(QueuePath))
            Assert.All(await queue.ListDeadLettersAsync(), l => Assert.Equal(10, l.Attempts));
        Assert.DoesNotContain(_klaviyo.Requests, r => r.Path == "/api/accounts");
        Assert.True(_klaviyo.ItemRequests().Count(r => r.Ids.Count > 1) <= 60, $"{_klaviyo.ItemRequests().Count(r => r.Ids.Count > 1)} bulk requests");
    }

    [Fact]
    public async Task An_outage_costs_a_bounded_number_of_extra_requests_never_single_item_ones_and_every_event_is_delivered_once_it_ends()
    {
        await StoreAsync(202);
        _emulator.FailNext(11, 500);

        var outcomes = await DeliverAsync(202, maxAttempts: 10);

        Report("outage, 202 good");
        AssertOneBatch(202);
        await AssertIsolatedAsync(outcomes, 202);
        var items = _klaviyo.ItemRequests();
        Assert.DoesNotContain(items, r => r.Ids.Count == 1);
        Assert.DoesNotContain(items, r => r.Path == "/api/events");
        // Whole-batch attempts that failed, and the probes (parts of the batch) they cost: at most 2 halves + 4 quarters
        // per failed attempt from the second on, none smaller than a quarter.
        var whole = items.Count(r => r.Ids.Count == 202 && r.Status >= 500);
        var probes = items.Where(r => r.Ids.Count < 202).ToList();
        Assert.True(whole >= 2, $"{whole} failed attempts");
        Assert.NotEmpty(probes);
        Assert.True(probes.Count <= 6 * (whole - 1), $"{probes.Count} probes for {whole} failed attempts");
        Assert.All(probes, p => Assert.True(p.Ids.Count >= 50, $"a probe of {p.Ids.Count} items"));
        Assert.All(probes, p => Assert.True(p.Status >= 500));
    }

    [Fact]
    public async Task A_poisoned_event_behind_an_outage_that_ends_is_found_alone_and_the_others_are_delivered_once()
    {
        int[] poisoned = [37];
        await StoreAsync(202, poisoned);
        _emulator.FailNext(10, 503);

        var outcomes = await DeliverAsync(202, maxAttempts: 10);

        Report("outage then 1 culprit in 202");
        AssertOneBatch(202, poisoned);
        await AssertIsolatedAsync(outcomes, 202, poisoned);
        // The outage was not taken apart: no probe smaller than a quarter failed before Klaviyo answered again.
        var items = _klaviyo.ItemRequests();
        var firstAccepted = items.FindIndex(r => r.Status is >= 200 and < 300);
        Assert.All(items.Take(firstAccepted), r => Assert.True(r.Ids.Count >= 50, $"{r.Ids.Count} items"));
    }

    [Fact]
    public async Task An_outage_that_starts_in_the_middle_of_an_isolation_loses_no_good_event_and_both_culprits_are_still_found()
    {
        int[] poisoned = [37, 160];
        await StoreAsync(202, poisoned);
        // Requests 1-2 are the whole batch, 3-8 the halves and quarters: Klaviyo goes down from the 10th request on,
        // while parts of 25 events are being told apart, for 8 requests.
        _klaviyo.BeforeRequest = n =>
        {
            if (n == 10) _emulator.FailNext(8, 503);
        };

        var outcomes = await DeliverAsync(202, maxAttempts: 10);

        Report("outage from request 10, 2 culprits in 202");
        AssertOneBatch(202, poisoned);
        await AssertIsolatedAsync(outcomes, 202, poisoned);
    }
}
