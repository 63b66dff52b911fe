using System.Net;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using Klaviyo.Emulator;

namespace Klaviyo.Destinations.Benchmarks;

/// <summary>
/// Issue 9 §5: events from <c>Track</c> to Klaviyo, end to end. Against a transport that answers at once (the SDK's
/// own ceiling) and against the loopback emulator with rate limits off (which validates every body against the
/// official schema, so it is the slower side). One operation = one event; events/s = 1e9 / ns per op.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class EndToEndBenchmarks
{
    public const int Events = 20_000;

    private KlaviyoEmulator? _emulator;

    [Params("instant transport", "emulator (rate limits off)")]
    public string Target { get; set; } = "instant transport";

    [GlobalSetup]
    public async Task Setup()
    {
        if (Target.StartsWith("emulator", StringComparison.Ordinal))
            _emulator = await KlaviyoEmulator.StartAsync(new KlaviyoEmulatorOptions { RateLimitsEnabled = false });
    }

    [GlobalCleanup]
    public async Task Cleanup()
    {
        if (_emulator is not null) await _emulator.DisposeAsync();
    }

    [IterationSetup]
    public void Reset() => _emulator?.Reset();

    [Benchmark(OperationsPerInvoke = Events, Description = "Track → delivered (in-memory queue, batched)")]
    public async Task TrackToDelivered()
    {
        // The other side enforces no rate limit here, so the client's own budget is widened (RateLimitTimeScale):
        // this measures the SDK's pipeline, not Klaviyo's tier (see RateEfficiencyBenchmarks for that).
        var options = new KlaviyoDestinationOptions { QueueStorage = QueueStorage.Memory, ApiKey = "pk_bench", QueueCapacity = Events * 2, MaxItemAge = TimeSpan.FromHours(1), RateLimitTimeScale = 1_000 };
        HttpClient http;
        if (_emulator is null)
        {
            options.BaseUrl = new Uri("http://127.0.0.1:9");
            http = new HttpClient(new InstantTransport());
        }
        else
        {
            options.BaseUrl = _emulator.BaseAddress;
            http = new HttpClient();
        }
        await using (var analytics = new Analytics(options, http))
        {
            for (var i = 0; i < Events; i++)
                analytics.Track("user-" + (i % 500), "Product Viewed", BenchData.TrackProperties);
            await analytics.FlushAsync();
        }
        http.Dispose();
    }
}

/// <summary>
/// Issue 9 §6: how close the sender gets to Klaviyo's documented ceiling. 3,000 single profile upserts
/// (<c>/api/profile-import</c>, tier 75/s burst, 750/min steady) against the emulator enforcing the real tiers with
/// time compressed 30×, so the ceiling is 375 requests/s and the ideal run takes 8.0 s. The columns report the share
/// of the ceiling reached and the share of requests answered 429.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 0, iterationCount: 3)]
public class RateEfficiencyBenchmarks
{
    public const int Profiles = 3_000;
    public const double TimeScale = 30;
    public static readonly double IdealSeconds = Profiles / (750.0 / 60 * TimeScale);

    private KlaviyoEmulator _emulator = null!;

    [GlobalSetup]
    public async Task Setup() => _emulator = await KlaviyoEmulator.StartAsync(new KlaviyoEmulatorOptions { TimeScale = TimeScale });

    private readonly List<double> _seconds = new();

    [GlobalCleanup]
    public async Task Cleanup()
    {
        var throttled = _emulator.Counters.WithStatus(429);
        var requests = _emulator.Counters.Total("POST /api/profile-import");
        await _emulator.DisposeAsync();
        foreach (var seconds in _seconds)
            Console.WriteLine($"// rate-efficiency: {Profiles} profiles in {seconds:F2} s = {Profiles / seconds:F0} req/s of a {Profiles / IdealSeconds:F0} req/s ceiling ({IdealSeconds / seconds:P1})");
        Console.WriteLine($"// rate-efficiency: {throttled} of {requests} requests answered 429 ({(double)throttled / Math.Max(1, requests):P2})");
    }

    [Benchmark(Description = "3,000 profile upserts at the profile-import ceiling (30× time)")]
    public async Task ProfileImportsAtTheCeiling()
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var options = new KlaviyoDestinationOptions
        {
            QueueStorage = QueueStorage.Memory,
            ApiKey = "pk_bench", BaseUrl = _emulator.BaseAddress, DeliveryMode = DeliveryMode.LowLatency, RateLimitTimeScale = TimeScale,
            MaxConcurrentBatches = 16, RetryBaseDelay = TimeSpan.FromMilliseconds(10), MaxRetryDelay = TimeSpan.FromMilliseconds(200),
        };
        await using var analytics = new Analytics(options);
        for (var i = 0; i < Profiles; i++)
            analytics.Identify(null, new Dictionary<string, object?> { ["email"] = $"p{i}@example.com", ["firstName"] = "P" + i });
        await analytics.FlushAsync();
        _seconds.Add(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
    }
}
