using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace Klaviyo.Emulator.Tests;

public sealed class ValidationTests
{
    [Fact]
    public async Task Unknown_attribute_name_is_400_pointing_at_the_field()
    {
        await using var k = await TestEmulator.StartAsync();
        using var response = await k.PostAsync("api/profile-import", Bodies.Profile(new JsonObject { ["email"] = "a@example.com", ["frist_name"] = "A" }));

        var error = await TestEmulator.Error(response, 400);
        Assert.Equal("invalid", error["code"]!.GetValue<string>());
        Assert.Equal("/data/attributes/frist_name", TestEmulator.Pointer(error));
        Assert.Contains("'frist_name' is not a valid field for the resource 'profile'", error["detail"]!.GetValue<string>());
        Assert.Empty(k.State.Profiles);
    }

    [Fact]
    public async Task Anonymous_id_is_not_accepted_by_profile_import_in_this_revision()
    {
        await using var k = await TestEmulator.StartAsync();
        using var response = await k.PostAsync("api/profile-import", Bodies.Profile(new JsonObject { ["email"] = "a@example.com", ["anonymous_id"] = "anon-1" }));
        Assert.Equal("/data/attributes/anonymous_id", TestEmulator.Pointer(await TestEmulator.Error(response, 400)));
    }

    [Fact]
    public async Task Wrong_type_is_400_pointing_at_the_field()
    {
        await using var k = await TestEmulator.StartAsync();
        using var response = await k.PostAsync("api/events", Bodies.Event(new JsonObject { ["email"] = "a@example.com", ["first_name"] = 5 }));

        var error = await TestEmulator.Error(response, 400);
        Assert.Equal("/data/attributes/profile/data/attributes/first_name", TestEmulator.Pointer(error));
        Assert.Contains("Expected a string", error["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task Wrong_resource_type_and_missing_required_member_are_400()
    {
        await using var k = await TestEmulator.StartAsync();
        var body = Bodies.Event(new JsonObject { ["email"] = "a@example.com" });
        body["data"]!["type"] = "events";
        ((JsonObject)body["data"]!["attributes"]!).Remove("properties");

        using var response = await k.PostAsync("api/events", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var pointers = (await TestEmulator.Json(response))["errors"]!.AsArray().Select(e => TestEmulator.Pointer(e!)).ToArray();
        Assert.Contains("/data/type", pointers);
        Assert.Contains("/data/attributes/properties", pointers);
    }

    [Fact]
    public async Task Missing_identifier_is_400_pointing_at_the_profile_attributes()
    {
        await using var k = await TestEmulator.StartAsync();
        using var profile = await k.PostAsync("api/profile-import", Bodies.Profile(new JsonObject { ["first_name"] = "A" }));
        Assert.Equal("/data/attributes", TestEmulator.Pointer(await TestEmulator.Error(profile, 400)));

        using var ev = await k.PostAsync("api/events", Bodies.Event(new JsonObject { ["first_name"] = "A" }));
        Assert.Equal("/data/attributes/profile/data/attributes", TestEmulator.Pointer(await TestEmulator.Error(ev, 400)));
    }

    [Theory]
    [InlineData("email", "not-an-email")]
    [InlineData("phone_number", "5005550006")]
    public async Task Malformed_email_or_phone_is_400(string field, string value)
    {
        await using var k = await TestEmulator.StartAsync();
        using var response = await k.PostAsync("api/profile-import", Bodies.Profile(new JsonObject { [field] = value }));
        Assert.Equal("/data/attributes/" + field, TestEmulator.Pointer(await TestEmulator.Error(response, 400)));
    }

    [Fact]
    public async Task Bulk_event_errors_point_at_the_item()
    {
        await using var k = await TestEmulator.StartAsync();
        var entries = Enumerable.Range(0, 5)
            .Select(i => Bodies.BulkEntry(new JsonObject { ["email"] = i == 3 ? "broken" : $"u{i}@example.com" }, Bodies.EventAttributes(uniqueId: "e" + i)))
            .ToArray();

        using var response = await k.PostAsync("api/event-bulk-create-jobs", Bodies.BulkEvents(entries));

        var error = await TestEmulator.Error(response, 400);
        Assert.Equal("/data/attributes/events-bulk-create/data/3/attributes/profile/data/attributes/email", TestEmulator.Pointer(error));
        Assert.Empty(k.State.Events);
    }

    [Fact]
    public async Task Missing_revision_is_400_naming_the_parameter_and_an_unknown_revision_too()
    {
        await using var k = await TestEmulator.StartAsync();
        k.Http.DefaultRequestHeaders.Remove("revision");
        using var missing = await k.GetAsync("api/accounts");
        var error = await TestEmulator.Error(missing, 400);
        Assert.Equal("revision", error["source"]!["parameter"]!.GetValue<string>());

        k.Http.DefaultRequestHeaders.Add("revision", "2019-01-01");
        using var unknown = await k.GetAsync("api/accounts");
        Assert.Equal("revision", (await TestEmulator.Error(unknown, 400))["source"]!["parameter"]!.GetValue<string>());
    }

    [Fact]
    public async Task Earlier_published_revisions_are_accepted()
    {
        await using var k = await TestEmulator.StartAsync();
        k.Http.DefaultRequestHeaders.Remove("revision");
        k.Http.DefaultRequestHeaders.Add("revision", "2025-10-15");
        using var response = await k.GetAsync("api/accounts");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Missing_key_is_401_not_authenticated()
    {
        await using var k = await TestEmulator.StartAsync();
        k.Http.DefaultRequestHeaders.Authorization = null;
        using var response = await k.GetAsync("api/accounts");
        Assert.Equal("not_authenticated", (await TestEmulator.Error(response, 401))["code"]!.GetValue<string>());

        k.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "pk_test_123");
        using var wrongScheme = await k.GetAsync("api/accounts");
        await TestEmulator.Error(wrongScheme, 401);
    }

    [Fact]
    public async Task Key_outside_the_valid_set_is_401_and_a_forbidden_key_is_403()
    {
        await using var k = await TestEmulator.StartAsync(o =>
        {
            o.ValidApiKeys = new HashSet<string> { "pk_good", "pk_readonly" };
            o.ForbiddenApiKeys = new HashSet<string> { "pk_readonly" };
        });

        using var wrong = await k.GetAsync("api/accounts");
        Assert.Equal("authentication_failed", (await TestEmulator.Error(wrong, 401))["code"]!.GetValue<string>());

        k.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Klaviyo-API-Key", "pk_readonly");
        using var forbidden = await k.GetAsync("api/accounts");
        Assert.Equal("permission_denied", (await TestEmulator.Error(forbidden, 403))["code"]!.GetValue<string>());

        k.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Klaviyo-API-Key", "pk_good");
        using var good = await k.GetAsync("api/accounts");
        Assert.Equal(HttpStatusCode.OK, good.StatusCode);
    }

    [Theory]
    [InlineData("api/v1/metrics")]
    [InlineData("api/v2/list/Y6nRLr/members")]
    [InlineData("api/track")]
    [InlineData("api/identify")]
    public async Task Legacy_v1_v2_paths_are_410_gone(string path)
    {
        await using var k = await TestEmulator.StartAsync();
        using var response = await k.GetAsync(path);
        Assert.Equal("gone", (await TestEmulator.Error(response, 410))["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Wrong_content_type_is_415_and_malformed_json_is_400()
    {
        await using var k = await TestEmulator.StartAsync();
        var body = Bodies.Profile(new JsonObject { ["email"] = "a@example.com" }).ToJsonString();
        using var plain = await k.SendAsync(HttpMethod.Post, "api/profile-import", body, "text/plain");
        await TestEmulator.Error(plain, 415);

        using var broken = await k.SendAsync(HttpMethod.Post, "api/profile-import", "{\"data\": ");
        Assert.Equal("parse_error", (await TestEmulator.Error(broken, 400))["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Unknown_path_is_404_and_wrong_method_is_405()
    {
        await using var k = await TestEmulator.StartAsync();
        using var unknown = await k.GetAsync("api/nothing-here");
        await TestEmulator.Error(unknown, 404);

        using var wrongMethod = await k.SendAsync(HttpMethod.Put, "api/events", "{}");
        await TestEmulator.Error(wrongMethod, 405);
    }

    [Fact]
    public async Task Metric_name_of_128_characters_is_400()
    {
        await using var k = await TestEmulator.StartAsync();
        using var response = await k.PostAsync("api/events", Bodies.Event(new JsonObject { ["email"] = "a@example.com" }, metric: new string('m', 128)));
        Assert.Equal("/data/attributes/metric/data/attributes/name", TestEmulator.Pointer(await TestEmulator.Error(response, 400)));

        using var ok = await k.PostAsync("api/events", Bodies.Event(new JsonObject { ["email"] = "a@example.com" }, metric: new string('m', 127)));
        Assert.Equal(HttpStatusCode.Accepted, ok.StatusCode);
    }

    [Fact]
    public async Task More_than_400_event_properties_is_400()
    {
        await using var k = await TestEmulator.StartAsync();
        var properties = new JsonObject();
        for (var i = 0; i < 401; i++)
        {
            properties["p" + i] = i;
        }

        using var response = await k.PostAsync("api/events", Bodies.Event(new JsonObject { ["email"] = "a@example.com" }, properties: properties));
        Assert.Equal("/data/attributes/properties", TestEmulator.Pointer(await TestEmulator.Error(response, 400)));
    }

    [Fact]
    public async Task A_string_over_100_KB_is_400_pointing_at_it()
    {
        await using var k = await TestEmulator.StartAsync();
        using var response = await k.PostAsync("api/events", Bodies.Event(
            new JsonObject { ["email"] = "a@example.com" },
            properties: new JsonObject { ["blob"] = new string('x', (100 * 1024) + 1) }));
        Assert.Equal("/data/attributes/properties/blob", TestEmulator.Pointer(await TestEmulator.Error(response, 400)));
    }

    [Fact]
    public async Task A_payload_over_5_MB_is_413()
    {
        await using var k = await TestEmulator.StartAsync();
        var properties = new JsonObject();
        for (var i = 0; i < 60; i++)
        {
            properties["p" + i] = new string('x', 90 * 1024);
        }

        using var response = await k.PostAsync("api/events", Bodies.Event(new JsonObject { ["email"] = "a@example.com" }, properties: properties));
        await TestEmulator.Error(response, 413);
    }

    [Fact]
    public async Task Event_time_more_than_a_year_ahead_or_not_a_date_is_400()
    {
        await using var k = await TestEmulator.StartAsync();
        using var future = await k.PostAsync("api/events", Bodies.Event(new JsonObject { ["email"] = "a@example.com" }, time: "2028-01-01T00:00:00Z"));
        Assert.Equal("/data/attributes/time", TestEmulator.Pointer(await TestEmulator.Error(future, 400)));

        using var garbage = await k.PostAsync("api/events", Bodies.Event(new JsonObject { ["email"] = "a@example.com" }, time: "yesterday"));
        Assert.Equal("/data/attributes/time", TestEmulator.Pointer(await TestEmulator.Error(garbage, 400)));
    }

    [Fact]
    public async Task Oversize_batches_are_400_pointing_at_the_array()
    {
        await using var k = await TestEmulator.StartAsync();
        var profile = new JsonObject { ["email"] = "a@example.com" };

        var events = Enumerable.Range(0, 1001).Select(i => Bodies.EventAttributes(uniqueId: "e" + i)).ToArray();
        using var bulkEvents = await k.PostAsync("api/event-bulk-create-jobs", Bodies.BulkEvents(Bodies.BulkEntry(profile, events)));
        Assert.Equal("/data/attributes/events-bulk-create/data", TestEmulator.Pointer(await TestEmulator.Error(bulkEvents, 400)));

        using var import = await k.PostAsync("api/profile-bulk-import-jobs", Bodies.BulkImport(Enumerable.Range(0, 10_001).Select(i => new JsonObject { ["email"] = $"u{i}@example.com" })));
        Assert.Equal("/data/attributes/profiles/data", TestEmulator.Pointer(await TestEmulator.Error(import, 400)));

        var list = k.Emulator.CreateList("VIP");
        using var members = await k.PostAsync($"api/lists/{list}/relationships/profiles", Bodies.Members(Enumerable.Range(0, 1001).Select(i => "id" + i)));
        Assert.Equal("/data", TestEmulator.Pointer(await TestEmulator.Error(members, 400)));

        var consent = Bodies.Consent("SUBSCRIBED", "email.marketing");
        using var subscribe = await k.PostAsync("api/profile-subscription-bulk-create-jobs",
            Bodies.Subscription(true, Enumerable.Range(0, 1001).Select(i => new JsonObject { ["email"] = $"u{i}@example.com", ["subscriptions"] = consent.DeepClone() })));
        Assert.Equal("/data/attributes/profiles/data", TestEmulator.Pointer(await TestEmulator.Error(subscribe, 400)));

        var unconsent = Bodies.Consent("UNSUBSCRIBED", "email.marketing");
        using var unsubscribe = await k.PostAsync("api/profile-subscription-bulk-delete-jobs",
            Bodies.Subscription(false, Enumerable.Range(0, 101).Select(i => new JsonObject { ["email"] = $"u{i}@example.com", ["subscriptions"] = unconsent.DeepClone() })));
        Assert.Equal("/data/attributes/profiles/data", TestEmulator.Pointer(await TestEmulator.Error(unsubscribe, 400)));

        Assert.Empty(k.State.Profiles);
        Assert.Empty(k.State.Jobs);
    }
}
