using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Klaviyo.Emulator.Tests;

public sealed class InspectionTests
{
    [Fact]
    public async Task State_endpoint_shows_data_rejections_with_reasons_and_counters()
    {
        await using var k = await TestEmulator.StartAsync();
        var list = k.Emulator.CreateList("VIP", id: "VIP001");
        (await k.PostAsync("api/events", Bodies.Event(new JsonObject { ["email"] = "a@example.com" }, uniqueId: "1"))).Dispose();
        (await k.PostAsync("api/profile-subscription-bulk-create-jobs", Bodies.Subscription(true,
            [new JsonObject { ["email"] = "a@example.com", ["subscriptions"] = Bodies.Consent("SUBSCRIBED", "email.marketing") }], list))).Dispose();
        (await k.PostAsync("api/profile-import", Bodies.Profile(new JsonObject { ["email"] = "a@example.com", ["frist_name"] = "A" }))).Dispose();

        using var admin = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = k.Emulator.BaseAddress };
        var state = JsonNode.Parse(await admin.GetStringAsync("_emulator/state"))!;

        var profile = Assert.Single(state["profiles"]!.AsArray())!;
        Assert.Equal("a@example.com", profile["identifiers"]!["email"]!.GetValue<string>());
        Assert.Equal("Placed Order", state["events"]![0]!["metric"]!.GetValue<string>());
        Assert.Equal("VIP001", state["lists"]![0]!["id"]!.GetValue<string>());
        Assert.Equal("SUBSCRIBED", state["subscriptions"]![profile["id"]!.GetValue<string>()]!["email"]!["marketing"]!["consent"]!.GetValue<string>());
        var rejected = Assert.Single(state["rejected_requests"]!.AsArray())!;
        Assert.Equal(400, rejected["status"]!.GetValue<int>());
        Assert.Equal("/data/attributes/frist_name", rejected["errors"]![0]!["source"]!["pointer"]!.GetValue<string>());
        Assert.Equal(1, state["counters"]!["POST /api/events"]!["202"]!.GetValue<int>());
        Assert.Equal(1, state["counters"]!["POST /api/profile-import"]!["400"]!.GetValue<int>());

        Assert.Equal(1, k.Emulator.Counters.Get("POST /api/events", 202));
        Assert.Equal(3, k.Emulator.Counters.Snapshot().Values.Sum(s => s.Values.Sum()));
        Assert.Equal("/data/attributes/frist_name", Assert.Single(Assert.Single(k.State.RejectedRequests).Errors).Pointer);
    }

    [Fact]
    public async Task Html_page_shows_the_same_for_a_person()
    {
        await using var k = await TestEmulator.StartAsync();
        await k.UpsertAsync(new JsonObject { ["email"] = "person<script>@example.com" });
        using var admin = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = k.Emulator.BaseAddress };

        using var page = await admin.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("Klaviyo emulator", html);
        Assert.Contains("POST /api/profile-import", html);
        // What arrived is data, never markup: the embedded state escapes '<' (the page renders it as text).
        Assert.DoesNotContain("person<script>", html);
        Assert.Contains("person\\u003cscript\\u003e@example.com", html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Reset_forgets_everything_but_the_configured_lists()
    {
        await using var k = await TestEmulator.StartAsync(o => o.Lists["L1"] = "Seeded");
        await k.UpsertAsync(new JsonObject { ["email"] = "a@example.com" });
        k.Emulator.FailNext(1);
        using var admin = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = k.Emulator.BaseAddress };

        using var reset = await admin.PostAsync("_emulator/reset", new StringContent("", Encoding.UTF8));
        Assert.Equal(HttpStatusCode.NoContent, reset.StatusCode);
        Assert.Empty(k.State.Profiles);
        Assert.Equal(0, k.Emulator.Counters.Total("POST /api/profile-import"));
        Assert.Equal("L1", Assert.Single(k.State.Lists).Id);
        Assert.Equal(EmulatorFaults.None, k.Emulator.Faults);
    }

    [Fact]
    public async Task Emulators_run_side_by_side_on_their_own_ports()
    {
        await using var a = await TestEmulator.StartAsync();
        await using var b = await TestEmulator.StartAsync();
        Assert.NotEqual(a.Emulator.BaseAddress, b.Emulator.BaseAddress);
        Assert.Equal("127.0.0.1", a.Emulator.BaseAddress.Host);
        await a.UpsertAsync(new JsonObject { ["email"] = "a@example.com" });
        Assert.Empty(b.State.Profiles);
    }
}
