using System.Text.Json.Nodes;
using Klaviyo.Destinations.Benchmarks;

namespace Klaviyo.Destinations.Tests.Benchmarks;

/// <summary>
/// Keeps the benchmarks honest and running in CI (no timing claims here): every alternative writes the same JSON,
/// and every benchmark body runs once.
/// </summary>
public sealed class BenchmarkSmokeTests
{
    private static JsonNode Run(Action<PooledOutput> write)
    {
        var output = new PooledOutput();
        write(output);
        return JsonNode.Parse(output.Written())!;
    }

    [Fact]
    public void Every_profile_mapping_alternative_writes_the_same_JSON_as_the_generated_mapper()
    {
        var benchmarks = new ProfileMappingBenchmarks();
        var generated = Run(o => { o.Reset(); var w = new Klaviyo.Destinations.Mapping.ProfileWriter(); w.Start(o.Json); Mappers.Profile<BenchCustomer>().Map(BenchData.Customer, w); w.Finish(); });
        Assert.True(JsonNode.DeepEquals(generated, Run(o => Baselines.HandWritten(o.Reset(), BenchData.Customer))), "hand-written differs");
        Assert.True(JsonNode.DeepEquals(generated, Run(o => Baselines.Reflection(o.Reset(), BenchData.Customer))), "reflection differs");
        Assert.True(JsonNode.DeepEquals(generated, Run(o => Baselines.JsonObjectTree(o.Reset(), BenchData.Customer))), "JsonObject differs");
        Assert.Equal(benchmarks.HandWritten(), benchmarks.Generated());
    }

    [Fact]
    public void The_dictionary_benchmark_maps_the_same_profile_as_the_typed_one()
    {
        var benchmarks = new ProfileMappingBenchmarks();
        Assert.Equal(benchmarks.Generated(), benchmarks.Dictionary());
    }

    [Fact]
    public async Task Every_benchmark_body_runs()
    {
        var track = new TrackMappingBenchmarks();
        Assert.Equal(1, track.Track());
        Assert.Equal(6, track.Order());
        Assert.Equal(1, track.Identify());

        // The anonymous order is intercepted and mapped like the model: Placed Order + 5 Ordered Product (0 if rejected).
        var anonymous = new AnonymousPayloadBenchmarks();
        anonymous.Setup();
        Assert.Equal(6, anonymous.Annotated());
        Assert.Equal(6, anonymous.Anonymous());
        Assert.Equal(6, anonymous.Dictionary());
        anonymous.Cleanup();

        var client = new ClientBenchmarks();
        client.Setup();
        client.Track();
        client.Identify();
        client.Cleanup();

        var generator = new GeneratorBenchmarks { Models = 20 };
        generator.Setup();
        Assert.Equal(41, generator.Cold());
        Assert.Equal(41, generator.UnrelatedEdit());

        foreach (var sync in new[] { true, false })
        {
            var durable = new DurableQueueBenchmarks { SyncToDisk = sync };
            durable.Open();
            var commits = await durable.GroupCommit();
            durable.Close();
            // Group commit: far fewer commits than items.
            Assert.InRange(commits, 1, DurableQueueBenchmarks.Items / 10);
            durable.Open();
            Assert.Equal(DurableQueueBenchmarks.Awaited, await durable.AwaitEach());
            durable.Close();
        }
    }
}
