using System.Text.Json;
using System.Text.Json.Nodes;
using Klaviyo.Destinations.Benchmarks;
using Klaviyo.Destinations.Rules;

namespace Klaviyo.Destinations.Tests.Benchmarks;

/// <summary>
/// Keeps the realistic benchmarks honest (no timing here): the workload really is distinct people with varied phone
/// numbers and countries, the hand-written baselines write the same JSON as the SDK, and every benchmark body runs.
/// </summary>
public sealed class RealisticBenchmarkTests
{
    private static readonly WorkloadPerson[] s_people = Workload.People(2_000);

    [Fact]
    public void The_workload_is_distinct_people_with_distinct_phones_in_every_written_form()
    {
        Assert.Equal(s_people.Length, s_people.Select(p => p.Customer.Email).Distinct().Count());
        Assert.Equal(s_people.Length, s_people.Select(p => p.Customer.Phone).Distinct().Count());
        Assert.Contains(s_people, p => p.Customer.Phone.StartsWith('+') && !p.Customer.Phone.Contains(' '));   // E.164
        Assert.Contains(s_people, p => p.Customer.Phone.StartsWith('+') && p.Customer.Phone.Contains(' '));    // international
        Assert.Contains(s_people, p => !p.Customer.Phone.StartsWith('+'));                                    // national
        Assert.Contains(s_people, p => p.Customer.Address.Country.Length == 2);
        Assert.Contains(s_people, p => p.Customer.Address.Country.Length > 3);
        Assert.True(s_people.Select(p => p.PhoneRegion).Distinct().Count() >= 8);
        // Same seed, same people (the output corpus relies on it).
        Assert.Equal(s_people[1234].Customer, Workload.People(1235)[1234].Customer);
    }

    [Fact]
    public void Every_realistic_phone_number_is_sent_as_E164()
    {
        var mapper = new MessageMapper(new KlaviyoDestinationOptions { ApiKey = "pk_test" });
        foreach (var person in s_people.Take(300))
        {
            var result = mapper.Map(Messages.Identify(person.UserId, person.Customer, new MessageOptions()));
            var profile = JsonNode.Parse(result.Items.Single().Profile)!;
            Assert.StartsWith("+", (string?)profile["phone_number"]);
            Assert.Empty(result.Items.Single().Warnings);
        }
    }

    [Fact]
    public void The_hand_written_baselines_write_the_same_JSON_as_the_SDK_for_every_shape()
    {
        var mapper = new MessageMapper(new KlaviyoDestinationOptions { ApiKey = "pk_test" });
        var baseline = new RealisticBaselines();
        var options = new MessageOptions { Timestamp = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero) };
        foreach (var person in s_people.Take(200))
        {
            var expectedProfile = JsonNode.Parse(baseline.Identify(person.Customer));
            foreach (var identify in new[] { Messages.Identify(person.UserId, person.Customer, options), Messages.Identify(person.UserId, person.Traits, options) })
                AssertSame(expectedProfile, mapper.Map(identify).Items.Single().Profile);

            var expectedOrder = new List<RealisticBaselines.Mapped>();
            baseline.Order(person.UserId, person.Order, expectedOrder);
            foreach (var order in new[] { Messages.Track(person.UserId, null, person.Order, options), Messages.Track(person.UserId, "Order Completed", person.OrderProperties, options) })
            {
                var items = mapper.Map(order).Items;
                Assert.Equal(expectedOrder.Count, items.Count);
                for (var i = 0; i < items.Count; i++)
                {
                    AssertSame(JsonNode.Parse(expectedOrder[i].Properties!), items[i].Properties!);
                    AssertSame(JsonNode.Parse(expectedOrder[i].Profile), items[i].Profile);
                    Assert.Equal(expectedOrder[i].Metric, items[i].Metric);
                    Assert.Equal(expectedOrder[i].UniqueId, items[i].UniqueId);
                    Assert.Equal(expectedOrder[i].Value!.Value, items[i].Value!.Value, 6);
                }
            }

            var expectedTrack = baseline.Track(person.UserId, person.SignedUp);
            foreach (var track in new[] { Messages.Track(person.UserId, null, person.SignedUp, options), Messages.Track(person.UserId, "Signed Up", person.SignedUpProperties, options) })
            {
                var item = mapper.Map(track).Items.Single();
                AssertSame(JsonNode.Parse(expectedTrack.Properties!), item.Properties!);
                Assert.Equal("Signed Up", item.Metric);
            }
        }
    }

    private static void AssertSame(JsonNode? expected, byte[] actual)
    {
        var node = JsonNode.Parse(actual);
        Assert.True(JsonNode.DeepEquals(expected, node), $"expected {expected?.ToJsonString()}\nactual   {node?.ToJsonString()}");
    }

    [Fact]
    public void Every_realistic_mapping_benchmark_body_runs()
    {
        var b = new RealisticMappingBenchmarks();
        Assert.True(b.IdentifyHandWritten() > 0);
        Assert.Equal(1, b.IdentifyTyped());
        Assert.Equal(1, b.IdentifyDictionary());
        Assert.Equal(6, b.OrderHandWritten());
        Assert.Equal(6, b.OrderTyped());
        Assert.Equal(6, b.OrderDictionary());
        Assert.True(b.TrackHandWritten() > 0);
        Assert.Equal(1, b.TrackTyped());
        Assert.Equal(1, b.TrackDictionary());

        var client = new ClientBenchmarks();
        client.Setup();
        client.TrackDistinct();
        client.TrackDistinctBackground();
        client.TrackTypedDistinctBackground();
        client.IdentifyDistinct();
        client.IdentifyDistinctBackground();
        client.Drain();
        client.Cleanup(); // throws when a call was rejected or refused
    }

    [Theory]
    [InlineData("identify", 1)]
    [InlineData("order", 6)]
    [InlineData("track", 1)]
    public async Task Every_realistic_pipeline_benchmark_delivers_every_item(string workload, int itemsPerCall)
    {
        const int calls = 1_500; // more than one bulk body of 1,000
        var b = new RealisticPipelineBenchmarks { Workload = workload, CallsPerRun = calls };
        b.NextPeople();
        Assert.True(await b.HandWritten() > calls * 100);
        Assert.Equal(calls * itemsPerCall, await b.Typed());
        Assert.Equal(calls * itemsPerCall, await b.Dictionary());
        Assert.Equal(calls * itemsPerCall, await b.TypedBackground());
    }
}
