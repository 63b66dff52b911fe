using BenchmarkDotNet.Attributes;
using Klaviyo.Destinations.Rules;

namespace Klaviyo.Destinations.Benchmarks;

/// <summary>
/// Issue 9 §3: a track message and an Order Completed with 5 products through every Klaviyo rule — for ONE fixed
/// person, so the phone number is always a cache hit. Kept for comparison with earlier runs; the realistic figures are
/// <see cref="RealisticMappingBenchmarks"/>.
/// </summary>
[MemoryDiagnoser]
public class TrackMappingBenchmarks
{
    private readonly MessageMapper _mapper = new(new KlaviyoDestinationOptions { ApiKey = "pk_bench" });
    private readonly MessageOptions _options = new() { MessageId = "m-1", Timestamp = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero) };

    [Benchmark(Description = "one person (cached): track (dictionary, 6 properties)")]
    public int Track() => _mapper.Map(Messages.Track("user-1", "Product Viewed", BenchData.TrackProperties, _options)).Items.Count;

    [Benchmark(Description = "one person (cached): Order Completed, 5 products (typed) → 6 events")]
    public int Order() => _mapper.Map(Messages.Track("user-1", null, BenchData.Order, _options)).Items.Count;

    [Benchmark(Description = "one person (phone cached): identify (typed, with rules and E.164)")]
    public int Identify() => _mapper.Map(Messages.Identify("user-1", BenchData.Customer, _options)).Items.Count;
}

/// <summary>Builds messages as <see cref="Analytics"/> does.</summary>
public static class Messages
{
    public static AnalyticsMessage Track<T>(string userId, string? name, T properties, MessageOptions options) =>
        AnalyticsMessage.Create(MessageType.Track, userId, name, MessagePayload.From(properties), options, options.Timestamp ?? DateTimeOffset.UtcNow);

    public static AnalyticsMessage Identify<T>(string userId, T traits, MessageOptions options) =>
        AnalyticsMessage.Create(MessageType.Identify, userId, null, MessagePayload.From(traits), options, options.Timestamp ?? DateTimeOffset.UtcNow);
}
