using System.Collections.Concurrent;
using Klaviyo.Emulator;
using Xunit.Abstractions;

namespace Klaviyo.Destinations.Tests.Durability;

/// <summary>
/// A long bad stretch on a clock compressed 60×, client and emulator alike: a minute in which every request is
/// throttled (429), then a minute of 20 % 5xx with latency, then Klaviyo down for 30 s; real rate tiers throughout. Nothing accepted is lost and
/// the queue's memory stays within its bounds while the backlog waits on disk.
/// </summary>
public sealed class OutageTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly ScaledTimeProvider _clock = new(60);
    private readonly TempDirectory _dir = new();
    private KlaviyoEmulator _klaviyo = null!;

    public async Task InitializeAsync() => _klaviyo = await KlaviyoEmulator.StartAsync(new KlaviyoEmulatorOptions
    {
        Port = 0,
        TimeProvider = _clock,
        RateLimitsEnabled = true,
    });

    public async Task DisposeAsync()
    {
        await _klaviyo.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task Throttling_server_errors_and_downtime_lose_nothing_and_memory_stays_bounded()
    {
        const int People = 300, Events = 6_000, HandOff = 2_000, ReadAhead = 500;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var outcomes = new ConcurrentDictionary<DeliveryStatus, int>();

        var options = new KlaviyoDestinationOptions
        {
            QueueStorage = QueueStorage.Memory,
            ApiKey = "pk_outage",
            BaseUrl = _klaviyo.BaseAddress,
            DeliveryMode = DeliveryMode.LowLatency,
            MaxAttempts = 100_000,
            RetryBaseDelay = TimeSpan.FromMilliseconds(200),
            MaxRetryDelay = TimeSpan.FromSeconds(5),
            JobPollInterval = TimeSpan.FromSeconds(1),
            OnOutcome = o => outcomes.AddOrUpdate(o.Status, 1, (_, n) => n + 1),
        };
        var queue = new SqliteEventQueue(new SqliteEventQueueOptions { Path = _dir.File("queue.db"), HandOffCapacity = HandOff, ReadAhead = ReadAhead }, timeProvider: _clock);
        var maxInMemory = 0;
        using var sampler = _clock.CreateTimer(_ => InterlockedMax(ref maxInMemory, queue.InMemoryCount), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(500));
        // The first phase is in force before anything is sent, so the outage is certain to be seen.
        _klaviyo.SetFaults(new EmulatorFaults { FailureRate = 1, FailureStatusCode = 429 });
        await using (var analytics = new Analytics(options, timeProvider: _clock, queue: queue))
        {
            var producer = Task.Run(async () =>
            {
                var window = new List<Task<bool>>();
                for (var p = 0; p < People; p++)
                    window.Add(analytics.IdentifyAsync($"person-{p}", new Dictionary<string, object?> { ["email"] = $"person-{p}@example.com" }));
                for (var n = 0; n < Events; n++)
                {
                    window.Add(analytics.TrackAsync($"person-{n % People}", "Outage Test", new Dictionary<string, object?> { ["n"] = n }, new MessageOptions { MessageId = $"outage-{n}" }));
                    if (window.Count >= 500)
                    {
                        Assert.All(await Task.WhenAll(window), Assert.True);
                        window.Clear();
                    }
                    InterlockedMax(ref maxInMemory, queue.InMemoryCount);
                }
                Assert.All(await Task.WhenAll(window), Assert.True);
            });

            await Task.Delay(TimeSpan.FromSeconds(60), _clock, timeout.Token);          // a minute of 429s
            await SeenAsync(429, timeout.Token);                                        // ... that the client really met
            _klaviyo.SetFaults(new EmulatorFaults { FailureRate = 0.2, FailureStatusCode = 503, Latency = TimeSpan.FromMilliseconds(300) });
            await Task.Delay(TimeSpan.FromSeconds(60), _clock, timeout.Token);          // a minute of 20 % 5xx, slow answers
            await SeenAsync(503, timeout.Token);
            _klaviyo.GoDown(TimeSpan.FromSeconds(30));
            await Task.Delay(TimeSpan.FromSeconds(30), _clock, timeout.Token);          // down for 30 s
            _klaviyo.ClearFaults();
            await producer.WaitAsync(timeout.Token);
            await analytics.FlushAsync(timeout.Token);
        }

        var counters = _klaviyo.Counters;
        output.WriteLine($"429: {counters.WithStatus(429)}, 503: {counters.WithStatus(503)}, max in memory {maxInMemory}, outcomes {string.Join(", ", outcomes)}");
        Assert.True(counters.WithStatus(429) > 0);
        Assert.True(counters.WithStatus(503) > 0);
        Assert.Equal(People + Events, outcomes.GetValueOrDefault(DeliveryStatus.Delivered));
        Assert.Equal(0, outcomes.GetValueOrDefault(DeliveryStatus.Rejected) + outcomes.GetValueOrDefault(DeliveryStatus.Expired));
        var events = _klaviyo.State.Events.Where(e => e.MetricName == "Outage Test").Select(e => e.UniqueId).ToHashSet();
        Assert.Equal(Events, events.Count);
        Assert.Equal(People, _klaviyo.State.Profiles.Count);
        Assert.InRange(maxInMemory, 0, HandOff + ReadAhead);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }

    /// <summary>
    /// Compressed minutes can pass before the client's first request (start-up, JIT), so a phase also lasts until the
    /// emulator has answered with its fault at least once; bounded by the test's timeout.
    /// </summary>
    private async Task SeenAsync(int status, CancellationToken cancellationToken)
    {
        while (_klaviyo.Counters.WithStatus(status) == 0)
            await Task.Delay(TimeSpan.FromMilliseconds(5), TimeProvider.System, cancellationToken);
    }
}
