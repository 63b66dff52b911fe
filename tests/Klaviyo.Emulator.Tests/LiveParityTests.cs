using System.Text.Json.Nodes;

namespace Klaviyo.Emulator.Tests;

/// <summary>Where the emulator was known to differ from live Klaviyo (issue 17), it now answers as the live API does.</summary>
public sealed class LiveParityTests
{
    private static JsonObject ProfileBody(JsonObject attributes, string? id = null)
    {
        var data = new JsonObject { ["type"] = "profile" };
        if (id is not null) data["id"] = id;
        data["attributes"] = attributes;
        return new JsonObject { ["data"] = data };
    }

    private static async Task<string[]> Emails(TestEmulator k, string query)
    {
        using var response = await k.GetAsync("api/profiles?" + query);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonNode.Parse(text)!["data"]!.AsArray().Select(p => p!["attributes"]!["email"]!.GetValue<string>()).ToArray();
    }

    [Fact]
    public async Task Plain_application_json_bodies_are_accepted_like_the_official_SDKs_send_them()
    {
        await using var k = await TestEmulator.StartAsync();
        using var json = await k.SendAsync(HttpMethod.Post, "api/profile-import", ProfileBody(new JsonObject { ["email"] = "a@example.com" }).ToJsonString(), "application/json");
        Assert.Equal(201, (int)json.StatusCode);
        using var text = await k.SendAsync(HttpMethod.Post, "api/profile-import", ProfileBody(new JsonObject { ["email"] = "b@example.com" }).ToJsonString(), "text/plain");
        await TestEmulator.Error(text, 415);
    }

    [Fact]
    public async Task Post_profiles_creates_and_answers_409_with_the_existing_id_for_a_duplicate()
    {
        await using var k = await TestEmulator.StartAsync();
        using var created = await k.PostAsync("api/profiles", ProfileBody(new JsonObject { ["email"] = "a@example.com", ["first_name"] = "Ada" }));
        Assert.Equal(201, (int)created.StatusCode);
        var id = (await TestEmulator.Json(created))["data"]!["id"]!.GetValue<string>();

        using var duplicate = await k.PostAsync("api/profiles", ProfileBody(new JsonObject { ["email"] = "A@example.com" }));
        var error = await TestEmulator.Error(duplicate, 409);
        Assert.Equal("duplicate_profile", error["code"]!.GetValue<string>());
        Assert.Equal(id, error["meta"]!["duplicate_profile_id"]!.GetValue<string>());
        Assert.Single(k.State.Profiles);
    }

    [Fact]
    public async Task Patch_profile_updates_by_id_clears_with_null_and_refuses_a_mismatched_or_unknown_id()
    {
        await using var k = await TestEmulator.StartAsync();
        var id = await k.UpsertAsync(new JsonObject { ["email"] = "a@example.com", ["first_name"] = "Ada", ["title"] = "Dr" });

        using var patched = await k.SendAsync(HttpMethod.Patch, $"api/profiles/{id}", ProfileBody(new JsonObject { ["last_name"] = "Lovelace", ["title"] = null }, id).ToJsonString());
        Assert.Equal(200, (int)patched.StatusCode);
        var profile = k.State.FindProfile(id)!;
        Assert.Equal("Lovelace", profile.Attributes["last_name"]!.GetValue<string>());
        Assert.Equal("Ada", profile.Attributes["first_name"]!.GetValue<string>());
        Assert.False(profile.Attributes.ContainsKey("title"));

        using var mismatch = await k.SendAsync(HttpMethod.Patch, $"api/profiles/{id}", ProfileBody(new JsonObject { ["last_name"] = "X" }, "OTHER").ToJsonString());
        Assert.Equal("/data/id", TestEmulator.Pointer(await TestEmulator.Error(mismatch, 409)));
        using var unknown = await k.SendAsync(HttpMethod.Patch, "api/profiles/NOPE", ProfileBody(new JsonObject { ["last_name"] = "X" }, "NOPE").ToJsonString());
        await TestEmulator.Error(unknown, 404);
    }

    [Fact]
    public async Task Get_event_by_id_includes_its_metric_with_links()
    {
        await using var k = await TestEmulator.StartAsync();
        (await k.PostAsync("api/events", Bodies.Event(new JsonObject { ["email"] = "a@example.com" }, "Placed Order", "o-1"))).Dispose();
        var eventId = Assert.Single(k.State.Events).Id;

        var document = await TestEmulator.Json(await k.GetAsync($"api/events/{eventId}?include=metric,profile"));
        Assert.Equal(eventId, document["data"]!["id"]!.GetValue<string>());
        var included = document["included"]!.AsArray();
        Assert.Equal("Placed Order", included.Single(r => r!["type"]!.GetValue<string>() == "metric")!["attributes"]!["name"]!.GetValue<string>());
        Assert.All(included, r => Assert.NotNull(r!["links"]?["self"]));

        using var missing = await k.GetAsync("api/events/NOPE");
        await TestEmulator.Error(missing, 404);
    }

    [Fact]
    public async Task Bulk_import_jobs_are_listed_with_their_profiles_and_lists()
    {
        await using var k = await TestEmulator.StartAsync();
        var listId = k.Emulator.CreateList("Imported");
        using var accepted = await k.PostAsync("api/profile-bulk-import-jobs",
            Bodies.BulkImport([new JsonObject { ["email"] = "a@example.com" }, new JsonObject { ["email"] = "b@example.com" }], listId));
        var jobId = (await TestEmulator.Json(accepted))["data"]!["id"]!.GetValue<string>();

        var jobs = await TestEmulator.Json(await k.GetAsync("api/profile-bulk-import-jobs?filter=equals(status,\"complete\")&sort=-created_at"));
        Assert.Equal(jobId, jobs["data"]![0]!["id"]!.GetValue<string>());
        var profiles = await TestEmulator.Json(await k.GetAsync($"api/profile-bulk-import-jobs/{jobId}/profiles"));
        Assert.Equal(["a@example.com", "b@example.com"], profiles["data"]!.AsArray().Select(p => p!["attributes"]!["email"]!.GetValue<string>()).Order());
        var ids = await TestEmulator.Json(await k.GetAsync($"api/profile-bulk-import-jobs/{jobId}/relationships/profiles"));
        Assert.Equal(2, ids["data"]!.AsArray().Count);
        var lists = await TestEmulator.Json(await k.GetAsync($"api/profile-bulk-import-jobs/{jobId}/lists"));
        Assert.Equal(listId, lists["data"]![0]!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Subscriptions_have_the_spec_shape_with_never_subscribed_defaults()
    {
        await using var k = await TestEmulator.StartAsync(o => o.AutoConfirmDoubleOptIn = true);
        (await k.PostAsync("api/profile-subscription-bulk-create-jobs", Bodies.Subscription(true,
            [new JsonObject { ["email"] = "a@example.com", ["subscriptions"] = Bodies.Consent("SUBSCRIBED", "email.marketing") }]))).Dispose();
        var id = Assert.Single(k.State.Profiles).Id;

        var subscriptions = (await TestEmulator.Json(await k.GetAsync($"api/profiles/{id}?additional-fields[profile]=subscriptions")))["data"]!["attributes"]!["subscriptions"]!;
        var email = subscriptions["email"]!["marketing"]!.AsObject();
        Assert.Equal("SUBSCRIBED", email["consent"]!.GetValue<string>());
        Assert.True(email["can_receive_email_marketing"]!.GetValue<bool>());
        Assert.NotNull(email["suppression"]);
        Assert.False(email.ContainsKey("list_id"));
        Assert.Equal("NEVER_SUBSCRIBED", subscriptions["sms"]!["marketing"]!["consent"]!.GetValue<string>());
        Assert.False(subscriptions["sms"]!["transactional"]!["can_receive_sms_transactional"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Unknown_query_parameters_sorts_and_filter_fields_are_400_like_live()
    {
        await using var k = await TestEmulator.StartAsync();
        using var parameter = await k.GetAsync("api/profiles?foo=1");
        Assert.Equal("foo", (await TestEmulator.Error(parameter, 400))["source"]!["parameter"]!.GetValue<string>());
        using var sort = await k.GetAsync("api/profiles?sort=first_name");
        Assert.Equal("sort", (await TestEmulator.Error(sort, 400))["source"]!["parameter"]!.GetValue<string>());
        using var kx = await k.GetAsync("api/profiles?filter=" + Uri.EscapeDataString("any(_kx,[\"a\"])"));
        Assert.Equal("filter", (await TestEmulator.Error(kx, 400))["source"]!["parameter"]!.GetValue<string>());
        using var field = await k.GetAsync("api/events?filter=" + Uri.EscapeDataString("equals(email,\"a@example.com\")"));
        await TestEmulator.Error(field, 400);
        using var include = await k.GetAsync("api/events?include=lists");
        Assert.Equal("include", (await TestEmulator.Error(include, 400))["source"]!["parameter"]!.GetValue<string>());
    }

    [Fact]
    public async Task Date_filters_and_sorts_select_profiles_by_creation_time()
    {
        await using var k = await TestEmulator.StartAsync();
        await k.UpsertAsync(new JsonObject { ["email"] = "old@example.com" });
        k.Time.Advance(TimeSpan.FromHours(1));
        await k.UpsertAsync(new JsonObject { ["email"] = "new@example.com" });
        var middle = (TestEmulator.Start + TimeSpan.FromMinutes(30)).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal(["new@example.com"], await Emails(k, "filter=" + Uri.EscapeDataString($"greater-than(created,{middle})")));
        Assert.Equal(["old@example.com"], await Emails(k, "filter=" + Uri.EscapeDataString($"less-than(created,\"{middle}\")")));
        Assert.Equal(["new@example.com", "old@example.com"], await Emails(k, "sort=-created"));
        using var bad = await k.GetAsync("api/profiles?filter=" + Uri.EscapeDataString("greater-than(created,yesterday)"));
        await TestEmulator.Error(bad, 400);
    }

    [Fact]
    public async Task A_pre_release_revision_of_a_known_date_is_accepted()
    {
        await using var k = await TestEmulator.StartAsync();
        var request = new HttpRequestMessage(HttpMethod.Get, "api/profiles");
        request.Headers.Remove("revision");
        k.Http.DefaultRequestHeaders.Remove("revision");
        k.Http.DefaultRequestHeaders.Add("revision", "2026-07-15.pre");
        using var pre = await k.Http.SendAsync(request);
        Assert.Equal(200, (int)pre.StatusCode);
        k.Http.DefaultRequestHeaders.Remove("revision");
        k.Http.DefaultRequestHeaders.Add("revision", "2019-01-01.pre");
        using var unknown = await k.GetAsync("api/profiles");
        await TestEmulator.Error(unknown, 400);
    }

    [Fact]
    public async Task The_whole_next_link_works_as_a_page_cursor_as_the_official_SDK_passes_it()
    {
        await using var k = await TestEmulator.StartAsync();
        foreach (var name in new[] { "a", "b", "c" }) await k.UpsertAsync(new JsonObject { ["email"] = $"{name}@example.com" });
        var first = await TestEmulator.Json(await k.GetAsync("api/profiles?page[size]=2"));
        var next = first["links"]!["next"]!.GetValue<string>();
        Assert.Equal(["c@example.com"], await Emails(k, "page[size]=2&page[cursor]=" + Uri.EscapeDataString(next)));
        Assert.Equal(["c@example.com"], await Emails(k, new Uri(next).Query.TrimStart('?')));
    }

    [Fact]
    public async Task Double_opt_in_keeps_the_person_pending_and_out_of_the_list_until_confirmed()
    {
        await using var k = await TestEmulator.StartAsync();
        var listId = k.Emulator.CreateList("Newsletter", doubleOptIn: true);
        (await k.PostAsync("api/profile-subscription-bulk-create-jobs", Bodies.Subscription(true,
            [new JsonObject { ["email"] = "a@example.com", ["subscriptions"] = Bodies.Consent("SUBSCRIBED", "email.marketing") }], listId))).Dispose();

        var pending = Assert.Single(k.State.Profiles);
        Assert.Empty(pending.ListIds);
        Assert.False(pending.Subscriptions.ContainsKey("email.marketing"));
        Assert.Equal([pending.Id], k.State.Lists.Single(l => l.Id == listId).PendingProfileIds);

        using var confirm = await k.Http.PostAsync("_emulator/confirm", new StringContent("{\"profile\":\"a@example.com\"}"));
        Assert.Equal(1, (await TestEmulator.Json(confirm))["confirmed"]!.GetValue<int>());
        var member = Assert.Single(k.State.Profiles);
        Assert.Equal([listId], member.ListIds);
        Assert.Equal("SUBSCRIBED", member.Subscriptions["email.marketing"].Consent);
        Assert.True(member.Subscriptions["email.marketing"].DoubleOptIn);
        Assert.Empty(k.State.Lists.Single(l => l.Id == listId).PendingProfileIds);
    }

    [Fact]
    public async Task With_auto_confirm_a_double_opt_in_subscription_takes_effect_at_once()
    {
        await using var k = await TestEmulator.StartAsync(o => o.AutoConfirmDoubleOptIn = true);
        var listId = k.Emulator.CreateList("Newsletter", doubleOptIn: true);
        (await k.PostAsync("api/profile-subscription-bulk-create-jobs", Bodies.Subscription(true,
            [new JsonObject { ["email"] = "a@example.com", ["subscriptions"] = Bodies.Consent("SUBSCRIBED", "email.marketing") }], listId))).Dispose();
        Assert.Equal([listId], Assert.Single(k.State.Profiles).ListIds);
        Assert.Equal(0, k.Emulator.ConfirmDoubleOptIn());
    }

    [Fact]
    public async Task A_forbidden_key_from_the_command_line_gets_403()
    {
        var options = Program.Parse(["--port", "0", "--forbidden-api-key", "pk_read_only", "--auto-confirm-double-opt-in", "--import-error-pointers", "row"]);
        Assert.True(options.AutoConfirmDoubleOptIn);
        Assert.Equal(ImportErrorShape.RowPointer, options.ImportErrorShape);
        await using var k = await TestEmulator.StartAsync(o => o.ForbiddenApiKeys = options.ForbiddenApiKeys);
        k.Http.DefaultRequestHeaders.Authorization = new("Klaviyo-API-Key", "pk_read_only");
        using var denied = await k.GetAsync("api/accounts");
        Assert.Equal("permission_denied", (await TestEmulator.Error(denied, 403))["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rejected_requests_keep_their_body_and_query_for_the_inspector()
    {
        await using var k = await TestEmulator.StartAsync();
        (await k.PostAsync("api/profile-import", ProfileBody(new JsonObject { ["email"] = "not-an-email" }))).Dispose();
        (await k.GetAsync("api/profiles?foo=1")).Dispose();
        var rejected = k.State.RejectedRequests;
        Assert.Contains("not-an-email", rejected[0].Body);
        Assert.Equal("?foo=1", rejected[1].Query);
    }
}
