using System.Net;
using System.Text.Json.Nodes;

namespace Klaviyo.Emulator.Tests;

/// <summary>
/// A failure inside a bulk job's apply step (injected through the test hook) leaves no partial state: an event or
/// subscription job applies whole or not at all; a profile import fails per row, as Klaviyo reports it.
/// </summary>
public sealed class JobAtomicityTests
{
    private static void FailAt(TestEmulator k, string jobType, params int[] steps) =>
        k.Emulator.ApplyStepHook = (type, step) =>
        {
            if (type == jobType && steps.Contains(step)) throw new InvalidOperationException($"injected failure at step {step}");
        };

    private static JsonObject[] Entries() =>
    [
        Bodies.BulkEntry(new JsonObject { ["email"] = "known@example.com", ["first_name"] = "After" }, Bodies.EventAttributes("Viewed", "e-1"), Bodies.EventAttributes("Viewed", "e-2")),
        Bodies.BulkEntry(new JsonObject { ["email"] = "new@example.com" }, Bodies.EventAttributes("Bought", "e-3")),
    ];

    [Fact]
    public async Task An_event_job_that_fails_inside_apply_leaves_nothing_and_the_same_events_go_in_when_sent_again()
    {
        await using var k = await TestEmulator.StartAsync();
        var known = await k.UpsertAsync(new JsonObject { ["email"] = "known@example.com", ["first_name"] = "Before" });
        FailAt(k, "event-bulk-create-job", 2);

        using (var response = await k.PostAsync("api/event-bulk-create-jobs", Bodies.BulkEvents(Entries())))
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        Assert.Empty(k.State.Events);
        var profile = Assert.Single(k.State.Profiles);
        Assert.Equal(known, profile.Id);
        Assert.Equal("Before", profile.Attributes["first_name"]!.GetValue<string>());
        var job = Assert.Single(k.State.Jobs);
        Assert.Equal("cancelled", job.Status);
        Assert.Contains("injected failure", Assert.Single(job.Errors).Detail);

        // Nothing of the failed job lingers (not even its dedupe keys): the same body sent again is stored whole.
        k.Emulator.ApplyStepHook = null;
        using (var again = await k.PostAsync("api/event-bulk-create-jobs", Bodies.BulkEvents(Entries())))
            Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.Equal(["e-1", "e-2", "e-3"], k.State.Events.Select(e => e.UniqueId));
        Assert.Equal("After", k.State.FindProfile("known@example.com")!.Attributes["first_name"]!.GetValue<string>());
        Assert.Equal("complete", k.State.Jobs[^1].Status);
    }

    [Fact]
    public async Task A_profile_import_row_that_fails_inside_apply_is_an_import_error_with_nothing_left_and_the_other_rows_go_in()
    {
        await using var k = await TestEmulator.StartAsync();
        var list = k.Emulator.CreateList("Imported", id: "LST001");
        var known = await k.UpsertAsync(new JsonObject { ["email"] = "known@example.com", ["first_name"] = "Before" });
        // Row 1 (an existing profile) and row 2 (a new one) fail after their profile was merged, before the list.
        FailAt(k, "profile-bulk-import-job", 1, 2);

        using var response = await k.PostAsync("api/profile-bulk-import-jobs", Bodies.BulkImport(
        [
            new JsonObject { ["email"] = "first@example.com" },
            new JsonObject { ["email"] = "known@example.com", ["first_name"] = "After", ["phone_number"] = "+15005550006" },
            new JsonObject { ["email"] = "third@example.com" },
            new JsonObject { ["email"] = "fourth@example.com" },
        ], list));
        var id = (await TestEmulator.Json(response))["data"]!["id"]!.GetValue<string>();

        var job = (await TestEmulator.Json(await k.GetAsync($"api/profile-bulk-import-jobs/{id}")))["data"]!["attributes"]!;
        Assert.Equal("complete", job["status"]!.GetValue<string>());
        Assert.Equal((2, 2), (job["completed_count"]!.GetValue<int>(), job["failed_count"]!.GetValue<int>()));
        var errors = (await TestEmulator.Json(await k.GetAsync($"api/profile-bulk-import-jobs/{id}/import-errors")))["data"]!.AsArray();
        Assert.Equal(2, errors.Count);
        Assert.All(errors, e => Assert.Contains("injected failure", e!["attributes"]!["detail"]!.GetValue<string>()));

        var before = k.State.FindProfile("known@example.com")!;
        Assert.Equal(known, before.Id);
        Assert.Equal("Before", before.Attributes["first_name"]!.GetValue<string>());
        Assert.Null(k.State.FindProfile("+15005550006"));
        Assert.Null(k.State.FindProfile("third@example.com"));
        var members = k.State.Lists.Single(l => l.Id == list).ProfileIds;
        Assert.Equal(
            new[] { k.State.FindProfile("first@example.com")!.Id, k.State.FindProfile("fourth@example.com")!.Id }.Order(),
            members.Order());
        Assert.Equal(3, k.State.Profiles.Count);
    }

    [Fact]
    public async Task A_subscription_job_that_fails_inside_apply_changes_no_consent_and_no_list()
    {
        await using var k = await TestEmulator.StartAsync();
        var list = k.Emulator.CreateList("Newsletter", id: "LST002");
        await k.UpsertAsync(new JsonObject { ["email"] = "known@example.com" });
        FailAt(k, "profile-subscription-bulk-create-job", 1);

        using var response = await k.PostAsync("api/profile-subscription-bulk-create-jobs", Bodies.Subscription(true,
        [
            new JsonObject { ["email"] = "known@example.com", ["subscriptions"] = Bodies.Consent("SUBSCRIBED", "email.marketing") },
            new JsonObject { ["email"] = "new@example.com", ["subscriptions"] = Bodies.Consent("SUBSCRIBED", "email.marketing") },
        ], list));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        Assert.Null(k.State.FindProfile("known@example.com")!.ConsentFor("email", "marketing"));
        Assert.Null(k.State.FindProfile("new@example.com"));
        Assert.Empty(k.State.Lists.Single(l => l.Id == list).ProfileIds);
        Assert.Equal("cancelled", Assert.Single(k.State.Jobs).Status);
    }
}
