using BenchmarkDotNet.Attributes;

namespace Klaviyo.Destinations.Benchmarks;

/// <summary>Issue 9 §4: what <c>Track</c> costs on the caller's thread (mapping + rules + queue hand-off).</summary>
[MemoryDiagnoser]
public class ClientBenchmarks
{
    private Analytics _analytics = null!;

    /// <summary>A sender that accepts everything at once, so the queue never fills during the run.</summary>
    private sealed class AcceptingSender : IKlaviyoSender
    {
        public Task<SendResult> SendAsync(QueuedItem item, CancellationToken cancellationToken) => Task.FromResult(new SendResult(SendStatus.Delivered, 202));
    }

    [GlobalSetup]
    public void Setup() => _analytics = new Analytics(new KlaviyoDestinationOptions { QueueStorage = QueueStorage.Memory, ApiKey = "pk_bench", QueueCapacity = 1_000_000 }, sender: new AcceptingSender());

    [GlobalCleanup]
    public void Cleanup() => _analytics.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(Description = "Track on the caller's thread (in-memory queue)")]
    public void Track() => _analytics.Track("user-1", "Product Viewed", BenchData.TrackProperties);

    [Benchmark(Description = "Identify on the caller's thread (typed, in-memory queue)")]
    public void Identify() => _analytics.Identify("user-1", BenchData.Customer);
}
