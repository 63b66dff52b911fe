using System.Collections.Concurrent;
using System.Diagnostics;
using Klaviyo.Destinations.Tests.Durability;
using Klaviyo.Emulator;

namespace Klaviyo.Destinations.Tests.Tracing;

/// <summary>
/// The span of the request that delivers a batch links to the calls that produced its items (their
/// <see cref="Activity.Current"/> at <c>Track</c>), at most <c>MaxLinks</c> (32) distinct ones, also after the items
/// waited in the durable queue across a restart; the request span is not made part of any producer's trace.
/// </summary>
public sealed class TraceLinkTests : IAsyncLifetime, IDisposable
{
    private const string BulkEvents = "POST /api/event-bulk-create-jobs";
    private readonly ActivitySource _app = new("Klaviyo.Destinations.Tests.App");
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly ActivityListener _listener;
    private readonly TempDirectory _dir = new();
    private KlaviyoEmulator _klaviyo = null!;

    public TraceLinkTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is "Klaviyo.Destinations" || s == _app,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public async Task InitializeAsync() => _klaviyo = await KlaviyoEmulator.StartAsync(new KlaviyoEmulatorOptions { Port = 0, RateLimitsEnabled = false });

    public async Task DisposeAsync() => await _klaviyo.DisposeAsync();

    public void Dispose()
    {
        _listener.Dispose();
        _app.Dispose();
        _dir.Dispose();
    }

    [Theory]
    [InlineData(MappingThread.Caller)]
    [InlineData(MappingThread.Background)]   // mapped on the background task: the link still points at the caller
    public async Task The_delivery_span_links_to_every_producing_call(MappingThread mapping)
    {
        var producers = new List<ActivityContext>();
        var options = Options(QueueStorage.Memory);
        options.MappingThread = mapping;
        await using (var analytics = new Analytics(options))
        {
            for (var n = 0; n < 10; n++) producers.Add(TrackInRequest(analytics, n));
            await analytics.FlushAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }

        var spans = SpansLinkedTo(producers);
        var span = Assert.Single(spans);
        Assert.Equal(BulkEvents, span.DisplayName);
        Assert.Equal(producers.ToHashSet(), span.Links.Select(l => l.Context).ToHashSet());
        Assert.DoesNotContain(span.TraceId, producers.Select(p => p.TraceId));   // not a child of whichever call came first
        Assert.Equal(default, span.ParentSpanId);
    }

    [Fact]
    public async Task A_batch_of_many_calls_carries_at_most_32_links()
    {
        var producers = new List<ActivityContext>();
        await using (var analytics = new Analytics(Options(QueueStorage.Memory)))
        {
            for (var n = 0; n < 100; n++) producers.Add(TrackInRequest(analytics, n));
            await analytics.FlushAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }

        var span = Assert.Single(SpansLinkedTo(producers));
        Assert.Equal(32, span.Links.Count());
        Assert.Equal(32, span.Links.Select(l => l.Context).Distinct().Count());
        Assert.Equal(100, span.GetTagItem("klaviyo.batch.items"));
    }

    [Fact]
    public async Task Items_kept_in_the_durable_queue_across_a_restart_keep_their_producers()
    {
        var producers = new List<ActivityContext>();
        var options = Options(QueueStorage.Disk);
        options.BaseUrl = new Uri("http://127.0.0.1:9/");   // nothing is delivered during the first run
        options.ShutdownTimeout = TimeSpan.Zero;
        await using (var first = new Analytics(options))
        {
            for (var n = 0; n < 10; n++)
            {
                using var request = _app.StartActivity($"POST /orders/{n}", ActivityKind.Server, parentContext: default);
                Assert.True(await first.TrackAsync($"user-{n}", "Trace Test", new Dictionary<string, object?> { ["n"] = n }, new MessageOptions { MessageId = $"trace-{n}" }));
                producers.Add(request!.Context);
            }
        }

        var second = Options(QueueStorage.Disk);
        await using (var analytics = new Analytics(second))
            await analytics.FlushAsync().WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(10, _klaviyo.State.Events.Count(e => e.MetricName == "Trace Test"));
        var span = Assert.Single(SpansLinkedTo(producers), s => s.GetTagItem("http.response.status_code") is 202);
        Assert.Equal(producers.ToHashSet(), span.Links.Select(l => l.Context).ToHashSet());
    }

    private ActivityContext TrackInRequest(Analytics analytics, int n)
    {
        // Each call in its own trace, as each would be in its own HTTP request.
        using var request = _app.StartActivity($"POST /orders/{n}", ActivityKind.Server, parentContext: default);
        analytics.Track($"user-{n}", "Trace Test", new Dictionary<string, object?> { ["n"] = n }, new MessageOptions { MessageId = $"trace-{n}" });
        return request!.Context;
    }

    private List<Activity> SpansLinkedTo(List<ActivityContext> producers)
    {
        var traces = producers.Select(p => p.TraceId).ToHashSet();
        return _stopped.Where(a => a.Source.Name == "Klaviyo.Destinations" && a.Links.Any(l => traces.Contains(l.Context.TraceId))).ToList();
    }

    private KlaviyoDestinationOptions Options(QueueStorage storage) => new()
    {
        ApiKey = "pk_trace_links",
        BaseUrl = _klaviyo.BaseAddress,
        QueueStorage = storage,
        QueuePath = storage == QueueStorage.Disk ? _dir.File("queue.db") : null,
    };
}
