using Klaviyo.Destinations.Tests.Durability;
using Klaviyo.Emulator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Klaviyo.Destinations.Tests.Hosting;

/// <summary>Tests that measure the process's memory: run alone, after every parallel test, so others' allocations do not count.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasurements
{
    public const string Name = "Memory measurements (not parallel)";
}

/// <summary>
/// A long pause (here: the key refused from startup) with the default durable queue: items keep arriving and are kept
/// on disk while only a bounded number waits in memory, so memory does not grow with the backlog. The clock is a
/// <see cref="FakeTimeProvider"/> that never moves: the pause lasts, with no probe, for as long as the test needs.
/// </summary>
[Collection(MemoryMeasurements.Name)]
public sealed class PausedMemoryTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>
    /// Managed heap that each item accepted past the in-memory bound may add: half of what an item held in memory costs
    /// (≥ 400 bytes), so a backlog kept in memory fails, while the few megabytes the rest of the test process retains
    /// between the two measurements (spread over 160,000 items: tens of bytes each) do not.
    /// </summary>
    private const int BytesPerExtraItem = 200;

    private readonly TempDirectory _dir = new();
    private KlaviyoEmulator _klaviyo = null!;

    public async Task InitializeAsync() => _klaviyo = await KlaviyoEmulator.StartAsync(new KlaviyoEmulatorOptions
    {
        Port = 0,
        RateLimitsEnabled = false,
        ValidApiKeys = new HashSet<string>(StringComparer.Ordinal) { "pk_some_other_key" },
    });

    public async Task DisposeAsync()
    {
        await _klaviyo.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task Memory_stays_bounded_while_the_backlog_grows_during_a_pause()
    {
        // Past the in-memory bound: what the sender holds (2 × 10,000-profile jobs) plus the queue's read-ahead (5,000).
        const int First = 40_000, Second = 200_000;
        var outcomes = new OutcomeCounter(int.MaxValue);
        var logs = new SignalingLoggerProvider();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Production", DisableDefaults = true });
        builder.Services.AddSingleton<TimeProvider>(new FakeTimeProvider(DateTimeOffset.UtcNow));
        builder.Logging.AddProvider(logs);
        builder.Services.AddKlaviyoDestinations(o =>
        {
            o.ApiKey = "pk_refused_memory";
            o.BaseUrl = _klaviyo.BaseAddress;
            o.QueuePath = _dir.File("queue.db");   // the default durable queue, default limits
            o.OnOutcome = outcomes.Record;
        });
        using var host = builder.Build();
        await host.StartAsync();
        var analytics = host.Services.GetRequiredService<Analytics>();
        await logs.WhenLogged(304).WaitAsync(TimeSpan.FromSeconds(60));   // the startup check found the key refused
        Assert.Equal(DeliveryState.CredentialsRefused, analytics.Destination.State);

        await AcceptAsync(analytics, 0, First);
        var atFirst = SettledHeap();
        await AcceptAsync(analytics, First, Second);
        var atSecond = SettledHeap();

        var queue = analytics.Destination.DurableQueue!;
        var perItem = (double)(atSecond - atFirst) / (Second - First);
        output.WriteLine($"heap at {First:N0}: {atFirst / 1e6:0.0} MB, at {Second:N0}: {atSecond / 1e6:0.0} MB, {perItem:0.0} bytes per extra item; queue in memory {queue.InMemoryCount:N0}, stored {queue.StoredCount:N0}");
        Assert.Equal(Second, queue.StoredCount);                 // every item kept
        Assert.Empty(outcomes.NotDelivered);                       // none rejected, expired or dead-lettered
        Assert.Equal(DeliveryState.CredentialsRefused, analytics.Destination.State);
        Assert.InRange(queue.InMemoryCount, 0, 5_000 + 50_000);   // read-ahead + write buffer (defaults)
        Assert.True(perItem < BytesPerExtraItem, $"The heap grew {perItem:0.0} bytes per item kept on disk (bound {BytesPerExtraItem}): the backlog is held in memory.");
        await host.StopAsync();
    }

    private static async Task AcceptAsync(Analytics analytics, int from, int to)
    {
        var window = new List<Task<bool>>(1_000);
        for (var n = from; n < to; n++)
        {
            window.Add(analytics.TrackAsync($"person-{n % 500}", "Paused Memory", new Dictionary<string, object?> { ["n"] = n, ["sku"] = "SKU-" + n }, new MessageOptions { MessageId = $"memory-{n}" }));
            if (window.Count < 1_000) continue;
            Assert.All(await Task.WhenAll(window), Assert.True);   // on disk
            window.Clear();
        }
        Assert.All(await Task.WhenAll(window), Assert.True);
    }

    /// <summary>The live managed heap after full, compacting collections (what is retained, not what was allocated).</summary>
    private static long SettledHeap()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
