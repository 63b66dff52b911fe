using BenchmarkDotNet.Attributes;

namespace Klaviyo.Destinations.Benchmarks;

/// <summary>
/// Issue 9 §4 and issue 14: what <c>Track</c>/<c>Identify</c> cost on the caller's thread (mapping + rules + queue
/// hand-off): for distinct people (realistic) and, labelled as such, for one fixed person (its phone always cached).
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
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

    private readonly WorkloadPerson[] _people = RealisticPeople.All;
    private int _next;

    private WorkloadPerson Next()
    {
        var i = _next;
        _next = i + 1 == _people.Length ? 0 : i + 1;
        return _people[i];
    }

    [Benchmark(Description = "Track \"Signed Up\" (dictionary), distinct people")]
    public void TrackDistinct()
    {
        var person = Next();
        _analytics.Track(person.UserId, "Signed Up", person.SignedUpProperties);
    }

    [Benchmark(Description = "Identify (typed), distinct people")]
    public void IdentifyDistinct()
    {
        var person = Next();
        _analytics.Identify(person.UserId, person.Customer);
    }

    [Benchmark(Description = "Track, one fixed person (cached case)")]
    public void Track() => _analytics.Track("user-1", "Product Viewed", BenchData.TrackProperties);

    [Benchmark(Description = "Identify (typed), one fixed person (phone cached)")]
    public void Identify() => _analytics.Identify("user-1", BenchData.Customer);
}
