using System.Net;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Klaviyo.Destinations.Rules;

namespace Klaviyo.Destinations.Benchmarks;

/// <summary>The realistic workload's people, generated once per process (20,000: twice what the phone cache holds).</summary>
public static class RealisticPeople
{
    public const int Count = 20_000;

    private static readonly Lazy<WorkloadPerson[]> s_people = new(() => Workload.People(Count));

    public static WorkloadPerson[] All => s_people.Value;
}

/// <summary>
/// Issue 14: mapping real traffic. Every call is a different person (20,000 cycled: more than the phone cache
/// holds, so every phone number is parsed), every number is distinct and written national or international, the
/// country a code or a name. One benchmark = one message mapped with every rule into the bytes that get queued.
/// The baseline of each group is hand-written code for the one schema (<see cref="RealisticBaselines"/>), so the Ratio
/// column is the cost of the SDK's generality on this machine, in this run.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class RealisticMappingBenchmarks
{
    private readonly MessageMapper _mapper = new(new KlaviyoDestinationOptions { ApiKey = "pk_bench" });
    private readonly RealisticBaselines _handWritten = new();
    private readonly List<RealisticBaselines.Mapped> _items = new(6);
    private readonly WorkloadPerson[] _people = RealisticPeople.All;
    private int _next;

    private WorkloadPerson Next()
    {
        var i = _next;
        _next = i + 1 == _people.Length ? 0 : i + 1;
        return _people[i];
    }

    private static MessageOptions Options => new() { Timestamp = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero) };

    [BenchmarkCategory("identify"), Benchmark(Baseline = true, Description = "identify: hand-written (libphonenumber + Utf8JsonWriter)")]
    public int IdentifyHandWritten() => _handWritten.Identify(Next().Customer).Length;

    [BenchmarkCategory("identify"), Benchmark(Description = "identify: typed model, distinct people")]
    public int IdentifyTyped()
    {
        var person = Next();
        return _mapper.Map(Messages.Identify(person.UserId, person.Customer, Options)).Items.Count;
    }

    [BenchmarkCategory("identify"), Benchmark(Description = "identify: dictionary, distinct people")]
    public int IdentifyDictionary()
    {
        var person = Next();
        return _mapper.Map(Messages.Identify(person.UserId, person.Traits, Options)).Items.Count;
    }

    [BenchmarkCategory("order"), Benchmark(Baseline = true, Description = "Order Completed: hand-written (Utf8JsonWriter)")]
    public int OrderHandWritten()
    {
        var person = Next();
        _items.Clear();
        _handWritten.Order(person.UserId, person.Order, _items);
        return _items.Count;
    }

    [BenchmarkCategory("order"), Benchmark(Description = "Order Completed, 5 products: typed")]
    public int OrderTyped()
    {
        var person = Next();
        return _mapper.Map(Messages.Track(person.UserId, null, person.Order, Options)).Items.Count;
    }

    [BenchmarkCategory("order"), Benchmark(Description = "Order Completed, 5 products: dictionary")]
    public int OrderDictionary()
    {
        var person = Next();
        return _mapper.Map(Messages.Track(person.UserId, "Order Completed", person.OrderProperties, Options)).Items.Count;
    }

    [BenchmarkCategory("track"), Benchmark(Baseline = true, Description = "track: hand-written (Utf8JsonWriter)")]
    public int TrackHandWritten()
    {
        var person = Next();
        return _handWritten.Track(person.UserId, person.SignedUp).Properties!.Length;
    }

    [BenchmarkCategory("track"), Benchmark(Description = "track \"Signed Up\", 5 properties: typed")]
    public int TrackTyped()
    {
        var person = Next();
        return _mapper.Map(Messages.Track(person.UserId, null, person.SignedUp, Options)).Items.Count;
    }

    [BenchmarkCategory("track"), Benchmark(Description = "track \"Signed Up\", 5 properties: dictionary")]
    public int TrackDictionary()
    {
        var person = Next();
        return _mapper.Map(Messages.Track(person.UserId, "Signed Up", person.SignedUpProperties, Options)).Items.Count;
    }
}

/// <summary>
/// Issue 14: the whole pipeline on real traffic. One operation = one call; each invocation makes
/// <see cref="Calls"/> calls from distinct people on a new <see cref="Analytics"/> (in-memory queue, batched) and
/// awaits <c>FlushAsync</c>, against a transport that answers every request at once. The baseline is the hand-written
/// mapping handing its bytes over a channel to one consumer that writes the bulk bodies.
/// Its job (monitoring, 1 warm-up and 7 measured invocations, in process) is set by <c>--readme pipeline</c>
/// (<see cref="ReadmeRun"/>); a job attribute here would run beside it, not instead of it.
/// </summary>
[MemoryDiagnoser]
public class RealisticPipelineBenchmarks
{
    public const int Calls = 10_000;

    private readonly WorkloadPerson[] _people = RealisticPeople.All;
    private int _offset;

    /// <summary>Calls per invocation: <see cref="Calls"/> in benchmarks (OperationsPerInvoke); fewer in smoke tests.</summary>
    public int CallsPerRun { get; set; } = Calls;

    [Params("identify", "order", "track")]
    public string Workload { get; set; } = "identify";

    [IterationSetup]
    public void NextPeople() => _offset = (_offset + CallsPerRun) % _people.Length;

    [Benchmark(Baseline = true, OperationsPerInvoke = Calls, Description = "hand-written: map, channel, one consumer writing bulk bodies")]
    public Task<long> HandWritten() => RealisticBaselines.Pipeline(Workload, _people, CallsPerRun, _offset);

    [Benchmark(OperationsPerInvoke = Calls, Description = "SDK, typed models: call → FlushAsync (instant transport)")]
    public Task<int> Typed() => Run(typed: true);

    [Benchmark(OperationsPerInvoke = Calls, Description = "SDK, dictionaries: call → FlushAsync (instant transport)")]
    public Task<int> Dictionary() => Run(typed: false);

    [Benchmark(OperationsPerInvoke = Calls, Description = "SDK, typed models, MappingThread.Background: call → FlushAsync (instant transport)")]
    public Task<int> TypedBackground() => Run(typed: true, MappingThread.Background);

    private async Task<int> Run(bool typed, MappingThread mapping = MappingThread.Caller)
    {
        var options = new KlaviyoDestinationOptions
        {
            QueueStorage = QueueStorage.Memory, ApiKey = "pk_bench", BaseUrl = new Uri("http://127.0.0.1:9"),
            QueueCapacity = CallsPerRun * 12, MaxItemAge = TimeSpan.FromHours(1), RateLimitTimeScale = 1_000, MappingThread = mapping,
        };
        var delivered = 0;
        options.OnOutcome = outcome => { if (outcome.Status == DeliveryStatus.Delivered) Interlocked.Increment(ref delivered); };
        using var http = new HttpClient(new InstantTransport());
        await using (var analytics = new Analytics(options, http))
        {
            for (var i = 0; i < CallsPerRun; i++)
            {
                var person = _people[(_offset + i) % _people.Length];
                switch (Workload)
                {
                    case "identify" when typed: analytics.Identify(person.UserId, person.Customer); break;
                    case "identify": analytics.Identify(person.UserId, person.Traits); break;
                    case "order" when typed: analytics.Track(person.UserId, person.Order); break;
                    case "order": analytics.Track(person.UserId, "Order Completed", person.OrderProperties); break;
                    case "track" when typed: analytics.Track(person.UserId, person.SignedUp); break;
                    default: analytics.Track(person.UserId, "Signed Up", person.SignedUpProperties); break;
                }
            }
            await analytics.FlushAsync();
        }
        return delivered;
    }
}

/// <summary>Answers every request with 202 at once, without I/O: the SDK's own ceiling.</summary>
public sealed class InstantTransport : HttpMessageHandler
{
    private static readonly byte[] s_profile = """{"data":{"type":"profile","id":"01PROFILE","attributes":{}}}"""u8.ToArray();
    private static readonly byte[] s_job = """{"data":{"type":"profile-bulk-import-job","id":"job1","attributes":{"status":"complete","failed_count":0}}}"""u8.ToArray();

    /// <summary>
    /// Answers at once, as Klaviyo would: 202 without a body for events, a JSON:API document where Klaviyo sends one
    /// (the SDK treats a 2xx that does not look like Klaviyo's as no answer).
    /// </summary>
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        Task.FromResult(request.RequestUri!.AbsolutePath switch
        {
            "/api/profile-import" => Document(HttpStatusCode.OK, s_profile),
            "/api/profile-bulk-import-jobs" => Document(HttpStatusCode.Accepted, s_job),
            _ => new HttpResponseMessage(HttpStatusCode.Accepted) { Content = new ByteArrayContent([]) },
        });

    private static HttpResponseMessage Document(HttpStatusCode status, byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/vnd.api+json");
        return new HttpResponseMessage(status) { Content = content };
    }
}
