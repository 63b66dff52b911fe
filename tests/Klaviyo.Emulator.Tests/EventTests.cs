using System.Net;
using System.Text.Json.Nodes;

namespace Klaviyo.Emulator.Tests;

public sealed class EventTests
{
    [Fact]
    public async Task An_event_is_202_and_creates_its_profile_and_metric()
    {
        await using var k = await TestEmulator.StartAsync();
        using var response = await k.PostAsync("api/events", Bodies.Event(
            new JsonObject { ["email"] = "a@example.com", ["first_name"] = "Ann", ["properties"] = new JsonObject { ["plan"] = "pro" } },
            uniqueId: "order-1",
            properties: new JsonObject { ["OrderId"] = "order-1", ["Items"] = new JsonArray("x") },
            time: "2026-08-01T10:00:00.250+02:00"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        var ev = Assert.Single(k.State.Events);
        var profile = Assert.Single(k.State.Profiles);
        Assert.Equal(profile.Id, ev.ProfileId);
        Assert.Equal("Placed Order", ev.MetricName);
        Assert.Equal("order-1", ev.UniqueId);
        Assert.Equal(new DateTimeOffset(2026, 8, 1, 8, 0, 0, TimeSpan.Zero), ev.Time);
        Assert.Equal("Ann", profile.Attributes["first_name"]!.GetValue<string>());
        Assert.Equal("pro", profile.Properties["plan"]!.GetValue<string>());
    }

    [Fact]
    public async Task Event_profile_meta_sits_inside_attributes_on_the_single_endpoint()
    {
        await using var k = await TestEmulator.StartAsync();
        await k.UpsertAsync(new JsonObject { ["email"] = "a@example.com", ["properties"] = new JsonObject { ["seen"] = new JsonArray("home") } });
        using var response = await k.PostAsync("api/events", Bodies.Event(new JsonObject
        {
            ["email"] = "a@example.com",
            ["meta"] = new JsonObject { ["patch_properties"] = new JsonObject { ["append"] = new JsonObject { ["seen"] = "cart" } } },
        }));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("""["home","cart"]""", Assert.Single(k.State.Profiles).Properties["seen"]!.ToJsonString());
    }

    [Fact]
    public async Task The_single_endpoint_keeps_the_first_event_of_a_unique_id_and_drops_the_rest_silently()
    {
        await using var k = await TestEmulator.StartAsync();
        var profile = new JsonObject { ["email"] = "a@example.com" };
        for (var i = 0; i < 3; i++)
        {
            using var response = await k.PostAsync("api/events", Bodies.Event((JsonObject)profile.DeepClone(), uniqueId: "order-1", properties: new JsonObject { ["n"] = i }));
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        using var otherMetric = await k.PostAsync("api/events", Bodies.Event((JsonObject)profile.DeepClone(), metric: "Ordered Product", uniqueId: "order-1"));

        var events = k.State.Events;
        Assert.Equal(2, events.Count);
        Assert.Equal(0, events.Single(e => e.MetricName == "Placed Order").Properties["n"]!.GetValue<int>());
        Assert.Equal(2, k.State.DuplicateEventsDropped);
    }

    [Fact]
    public async Task Without_unique_id_the_time_to_the_second_is_the_dedupe_key()
    {
        await using var k = await TestEmulator.StartAsync();
        var profile = new JsonObject { ["email"] = "a@example.com" };
        (await k.PostAsync("api/events", Bodies.Event((JsonObject)profile.DeepClone(), time: "2026-08-01T10:00:00.100Z"))).Dispose();
        (await k.PostAsync("api/events", Bodies.Event((JsonObject)profile.DeepClone(), time: "2026-08-01T10:00:00.900Z"))).Dispose();
        (await k.PostAsync("api/events", Bodies.Event((JsonObject)profile.DeepClone(), time: "2026-08-01T10:00:01Z"))).Dispose();

        Assert.Equal(2, k.State.Events.Count);
    }

    [Fact]
    public async Task Bulk_create_stores_every_event_per_profile()
    {
        await using var k = await TestEmulator.StartAsync();
        using var response = await k.PostAsync("api/event-bulk-create-jobs", Bodies.BulkEvents(
            Bodies.BulkEntry(new JsonObject { ["email"] = "a@example.com" }, Bodies.EventAttributes(uniqueId: "1"), Bodies.EventAttributes("Ordered Product", uniqueId: "1")),
            Bodies.BulkEntry(new JsonObject { ["anonymous_id"] = "anon-9" }, Bodies.EventAttributes("Viewed Product"))));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(3, k.State.Events.Count);
        Assert.Equal(2, k.State.Profiles.Count);
        Assert.Equal("anon-9", k.State.Profiles.Single(p => p.AnonymousId is not null).AnonymousId);
        var job = Assert.Single(k.State.Jobs);
        Assert.Equal(("event-bulk-create-job", "complete", 3), (job.Type, job.Status, job.CompletedCount));
        Assert.All(k.State.Events, e => Assert.Equal("event-bulk-create-jobs", e.Source));
    }

    [Fact]
    public async Task A_duplicate_unique_id_inside_one_bulk_request_fails_the_whole_request()
    {
        await using var k = await TestEmulator.StartAsync();
        using var response = await k.PostAsync("api/event-bulk-create-jobs", Bodies.BulkEvents(
            Bodies.BulkEntry(new JsonObject { ["email"] = "b@example.com" }, Bodies.EventAttributes(uniqueId: "x")),
            Bodies.BulkEntry(new JsonObject { ["email"] = "a@example.com" }, Bodies.EventAttributes(uniqueId: "1"), Bodies.EventAttributes(uniqueId: "1"))));

        var error = await TestEmulator.Error(response, 400);
        Assert.Equal("/data/attributes/events-bulk-create/data/1/attributes/events/data/1/attributes/unique_id", TestEmulator.Pointer(error));
        Assert.Empty(k.State.Events);
        Assert.Empty(k.State.Profiles);
    }

    [Fact]
    public async Task Get_events_filters_by_profile_and_metric()
    {
        await using var k = await TestEmulator.StartAsync();
        (await k.PostAsync("api/events", Bodies.Event(new JsonObject { ["email"] = "a@example.com" }, uniqueId: "1"))).Dispose();
        (await k.PostAsync("api/events", Bodies.Event(new JsonObject { ["email"] = "a@example.com" }, "Viewed Product", uniqueId: "2"))).Dispose();
        (await k.PostAsync("api/events", Bodies.Event(new JsonObject { ["email"] = "b@example.com" }, uniqueId: "3"))).Dispose();
        var a = k.State.FindProfile("a@example.com")!;
        var placed = k.State.Events.First(e => e.MetricName == "Placed Order").MetricId;

        var byProfile = await TestEmulator.Json(await k.GetAsync($"api/events?filter=equals(profile_id,\"{a.Id}\")"));
        Assert.Equal(2, byProfile["data"]!.AsArray().Count);

        var byMetric = await TestEmulator.Json(await k.GetAsync($"api/events?filter=equals(metric_id,\"{placed}\")&include=metric"));
        Assert.Equal(2, byMetric["data"]!.AsArray().Count);
        Assert.Equal("1", byMetric["data"]![0]!["attributes"]!["event_properties"]!["$event_id"]!.GetValue<string>());
        Assert.Equal("Placed Order", byMetric["included"]![0]!["attributes"]!["name"]!.GetValue<string>());

        using var bad = await k.GetAsync("api/events?filter=equals(email,\"a@example.com\")");
        Assert.Equal("filter", (await TestEmulator.Error(bad, 400))["source"]!["parameter"]!.GetValue<string>());
    }
}
