using BenchmarkDotNet.Attributes;

namespace Klaviyo.Destinations.Benchmarks;

/// <summary>
/// Issue 9 §4 and issue 14: what <c>Track</c>/<c>Identify</c> cost on the caller's thread: for distinct people
/// (realistic) and, labelled as such, for one fixed person (its phone always cached); with mapping on the caller's
/// thread (the default) and with <see cref="MappingThread.Background"/> (the call only hands the message over).
/// Each iteration is 10,000 calls; after it, <c>FlushAsync</c> drains the mapping and the delivery (not measured), so
/// the background mapper's backlog starts empty and never refuses a call. The background work still runs during the
/// calls, on the same cores, as it would in an app. Any refused or rejected call fails the run.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
[InvocationCount(10_000)]
public class ClientBenchmarks
{
    private Analytics _caller = null!;
    private Analytics _background = null!;
    private int _rejected;

    /// <summary>A sender that accepts everything at once, so the queue never fills during the run.</summary>
    private sealed class AcceptingSender : IKlaviyoSender
    {
        public Task<SendResult> SendAsync(QueuedItem item, CancellationToken cancellationToken) => Task.FromResult(new SendResult(SendStatus.Delivered, 202));
    }

    private Analytics Create(MappingThread mapping) => new(new KlaviyoDestinationOptions
    {
        QueueStorage = QueueStorage.Memory, ApiKey = "pk_bench", QueueCapacity = 1_000_000, MappingThread = mapping,
        OnOutcome = outcome => { if (outcome.Status != DeliveryStatus.Delivered) Interlocked.Increment(ref _rejected); },
    }, sender: new AcceptingSender());

    [GlobalSetup]
    public void Setup()
    {
        _caller = Create(MappingThread.Caller);
        _background = Create(MappingThread.Background);
    }

    [IterationCleanup]
    public void Drain()
    {
        _caller.FlushAsync().GetAwaiter().GetResult();
        _background.FlushAsync().GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _caller.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _background.DisposeAsync().AsTask().GetAwaiter().GetResult();
        if (_rejected != 0) throw new InvalidOperationException($"{_rejected} calls were rejected or refused: the figures would not be those of accepted calls.");
    }

    private readonly WorkloadPerson[] _people = RealisticPeople.All;
    private int _next;

    private WorkloadPerson Next()
    {
        var i = _next;
        _next = i + 1 == _people.Length ? 0 : i + 1;
        return _people[i];
    }

    [Benchmark(Description = "Track \"Signed Up\" (dictionary), distinct people, mapped on the caller")]
    public void TrackDistinct()
    {
        var person = Next();
        _caller.Track(person.UserId, "Signed Up", person.SignedUpProperties);
    }

    [Benchmark(Description = "Track \"Signed Up\" (dictionary), distinct people, MappingThread.Background")]
    public void TrackDistinctBackground()
    {
        var person = Next();
        _background.Track(person.UserId, "Signed Up", person.SignedUpProperties);
    }

    [Benchmark(Description = "Track \"Signed Up\" (typed), distinct people, MappingThread.Background")]
    public void TrackTypedDistinctBackground()
    {
        var person = Next();
        _background.Track(person.UserId, person.SignedUp);
    }

    [Benchmark(Description = "Identify (typed), distinct people, mapped on the caller")]
    public void IdentifyDistinct()
    {
        var person = Next();
        _caller.Identify(person.UserId, person.Customer);
    }

    [Benchmark(Description = "Identify (typed), distinct people, MappingThread.Background")]
    public void IdentifyDistinctBackground()
    {
        var person = Next();
        _background.Identify(person.UserId, person.Customer);
    }

    [Benchmark(Description = "Track, one fixed person (cached case), mapped on the caller")]
    public void Track() => _caller.Track("user-1", "Product Viewed", BenchData.TrackProperties);

    [Benchmark(Description = "Identify (typed), one fixed person (phone cached), mapped on the caller")]
    public void Identify() => _caller.Identify("user-1", BenchData.Customer);
}
