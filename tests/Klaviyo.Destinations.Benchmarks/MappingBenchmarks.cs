using BenchmarkDotNet.Attributes;
using Klaviyo.Destinations.Mapping;
using Klaviyo.Destinations.Rules;

namespace Klaviyo.Destinations.Benchmarks;

/// <summary>Issue 9 §1–2: typed profile mapping vs hand-written, reflection and JsonObject; the dictionary path.</summary>
[MemoryDiagnoser]
public class ProfileMappingBenchmarks
{
    private readonly PooledOutput _output = new();
    private readonly ProfileWriter _writer = new();
    private readonly IKlaviyoProfileMapper<BenchCustomer> _mapper = Mappers.Profile<BenchCustomer>();
    private readonly DictionaryMapper _dictionary = new(new Dictionary<string, ProfileField>());

    [Benchmark(Baseline = true, Description = "hand-written Utf8JsonWriter")]
    public int HandWritten()
    {
        Baselines.HandWritten(_output.Reset(), BenchData.Customer);
        return _output.Written().Length;
    }

    [Benchmark(Description = "generated mapper")]
    public int Generated()
    {
        var json = _output.Reset();
        _writer.Start(json);
        _mapper.Map(BenchData.Customer, _writer);
        _writer.Finish();
        return _output.Written().Length;
    }

    [Benchmark(Description = "reflection mapper")]
    public int Reflection()
    {
        Baselines.Reflection(_output.Reset(), BenchData.Customer);
        return _output.Written().Length;
    }

    [Benchmark(Description = "JsonObject tree (Segment style)")]
    public int JsonObjectTree()
    {
        Baselines.JsonObjectTree(_output.Reset(), BenchData.Customer);
        return _output.Written().Length;
    }

    [Benchmark(Description = "dictionary mapper (same data)")]
    public int Dictionary()
    {
        var json = _output.Reset();
        _writer.Start(json);
        foreach (var pair in BenchData.CustomerTraits) _dictionary.ProfileEntry(_writer, pair.Key, pair.Value);
        _writer.Finish();
        return _output.Written().Length;
    }
}

/// <summary>Finds generated mappers through the registry (as the runtime does).</summary>
public static class Mappers
{
    public static IKlaviyoProfileMapper<T> Profile<T>() =>
        KlaviyoMapperRegistry.TryGetProfileMapper<T>(out var mapper) ? mapper : throw new InvalidOperationException($"No generated mapper for {typeof(T).Name}.");
}
