using BenchmarkDotNet.Attributes;
using Klaviyo.Destinations.Rules;

namespace Klaviyo.Destinations.Benchmarks;

/// <summary>
/// Issue 18 §5: an intercepted anonymous <c>Track(userId, "Order Completed", new { … })</c> against the same order as an
/// annotated <c>[KlaviyoEvent]</c> model (the baseline) and as an <c>IReadOnlyDictionary&lt;string, object?&gt;</c> (the
/// untyped path every SDK of this kind takes): the call on the caller's thread (payload built per call, a different
/// person and order each time), then every Klaviyo rule and the JSON (Placed Order + 5 Ordered Product). The queue is
/// left out: a plugin takes the message where the destination would. Run:
/// <c>dotnet run -c Release --project tests/Klaviyo.Destinations.Benchmarks -- --filter '*AnonymousPayload*'</c>.
/// </summary>
[MemoryDiagnoser]
public class AnonymousPayloadBenchmarks
{
    private const int People = 1024;
    private readonly MessageMapper _mapper = new(new KlaviyoDestinationOptions { ApiKey = "pk_bench" });
    private readonly Capture _capture = new();
    private readonly string[] _userIds = Enumerable.Range(0, People).Select(i => "user-" + i).ToArray();
    private readonly string[] _orderIds = Enumerable.Range(0, People).Select(i => "order-" + i).ToArray();
    private readonly BenchProduct[] _products = BenchData.Order.Products.ToArray();
    private Analytics _analytics = null!;
    private int _next;

    /// <summary>Takes each message before the destination and stops it there.</summary>
    private sealed class Capture : IAnalyticsPlugin
    {
        public AnalyticsMessage? Last;

        public PluginType Type => PluginType.Before;

        public AnalyticsMessage? Execute(AnalyticsMessage message)
        {
            Last = message;
            return null;
        }
    }

    [GlobalSetup]
    public void Setup()
    {
        _analytics = new Analytics(new KlaviyoDestinationOptions { QueueStorage = QueueStorage.Memory, ApiKey = "pk_bench" });
        _analytics.Add(_capture);
    }

    [GlobalCleanup]
    public void Cleanup() => _analytics.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(Baseline = true, Description = "Order Completed, [KlaviyoEvent] model → 6 events")]
    public int Annotated()
    {
        var i = _next++ & (People - 1);
        var products = Array.ConvertAll(_products, static s => new BenchProduct(s.ProductId, s.Sku, s.Name, s.Price, s.Quantity, s.ProductUrl));
        _analytics.Track(_userIds[i], "Order Completed", new BenchOrder(_orderIds[i], 120.5m + i, "USD", products));
        return _mapper.Map(_capture.Last!).Items.Count;
    }

    [Benchmark(Description = "Order Completed, anonymous object (intercepted) → 6 events")]
    public int Anonymous()
    {
        var i = _next++ & (People - 1);
        var products = Array.ConvertAll(_products, static s => new { s.ProductId, s.Sku, s.Name, s.Price, s.Quantity, s.ProductUrl });
        _analytics.Track(_userIds[i], "Order Completed", new { OrderId = _orderIds[i], Revenue = 120.5m + i, Currency = "USD", Products = products });
        return _mapper.Map(_capture.Last!).Items.Count;
    }

    [Benchmark(Description = "Order Completed, IReadOnlyDictionary<string, object?> → 6 events")]
    public int Dictionary()
    {
        var i = _next++ & (People - 1);
        var products = Array.ConvertAll(_products, static s => (object?)new Dictionary<string, object?>
        {
            ["product_id"] = s.ProductId, ["sku"] = s.Sku, ["name"] = s.Name, ["price"] = s.Price, ["quantity"] = s.Quantity, ["url"] = s.ProductUrl,
        });
        _analytics.Track(_userIds[i], "Order Completed", new Dictionary<string, object?>
        {
            ["order_id"] = _orderIds[i], ["revenue"] = 120.5m + i, ["currency"] = "USD", ["products"] = products,
        });
        return _mapper.Map(_capture.Last!).Items.Count;
    }
}
