using System.Text.Json.Nodes;

namespace Klaviyo.Destinations.Tests.Audiences;

/// <summary>Audience membership mirrored into Klaviyo lists, against the emulator: adds, removes, netting, id resolution, order.</summary>
public sealed class AudienceMembershipTests : IAsyncLifetime
{
    private AudienceHarness _h = null!;

    public async Task InitializeAsync() => _h = await AudienceHarness.StartAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task Enter_exit_enter_ends_in_the_list_and_never_touches_consent()
    {
        await using var analytics = _h.Client();
        analytics.SetConsent("u-1", new Dictionary<string, bool> { ["email_marketing"] = true }, AudienceHarness.Email("ada@example.com"),
            new MessageOptions { Timestamp = DateTimeOffset.UtcNow.AddDays(-3) });
        await AudienceHarness.FlushAsync(analytics);
        var consent = _h.Profile("ada@example.com").Subscriptions["email.marketing"];

        analytics.AudienceEntered("u-1", "VIP", AudienceHarness.Email("ada@example.com"));
        await AudienceHarness.FlushAsync(analytics);
        Assert.True(_h.InList(AudienceHarness.Vip, "ada@example.com"));

        analytics.AudienceExited("u-1", "VIP", AudienceHarness.Email("ada@example.com"));
        await AudienceHarness.FlushAsync(analytics);
        Assert.False(_h.InList(AudienceHarness.Vip, "ada@example.com"));
        Assert.Equal(consent, _h.Profile("ada@example.com").Subscriptions["email.marketing"]);

        analytics.AudienceEntered("u-1", "vip", AudienceHarness.Email("ada@example.com")); // names compare case-insensitively
        await AudienceHarness.FlushAsync(analytics);

        Assert.True(_h.InList(AudienceHarness.Vip, "ada@example.com"));
        var ada = _h.Profile("ada@example.com");
        Assert.Equal(consent, ada.Subscriptions["email.marketing"]);
        Assert.Single(ada.Subscriptions);
        Assert.Equal(2, _h.Klaviyo.Counters.Get("POST /api/lists/{id}/relationships/profiles", 204));
        Assert.Equal(1, _h.Klaviyo.Counters.Get("DELETE /api/lists/{id}/relationships/profiles", 204));
        Assert.Equal(0, _h.Requests("POST /api/profile-subscription-bulk-delete-jobs"));
        Assert.All(_h.Outcomes, o => Assert.Equal(DeliveryStatus.Delivered, o.Status));
    }

    [Fact]
    public async Task Enter_then_exit_in_one_window_sends_only_the_net_result()
    {
        await using var analytics = _h.Client();
        analytics.AudienceEntered("u-1", "VIP", AudienceHarness.Email("ada@example.com"));
        await AudienceHarness.FlushAsync(analytics);
        Assert.True(_h.InList(AudienceHarness.Vip, "ada@example.com"));

        analytics.AudienceEntered("u-1", "Churn Risk", AudienceHarness.Email("ada@example.com"));
        analytics.AudienceExited("u-1", "VIP", AudienceHarness.Email("ada@example.com"));
        analytics.AudienceEntered("u-1", "VIP", AudienceHarness.Email("ada@example.com"), new MessageOptions { MessageId = "enter-again" });
        analytics.AudienceExited("u-1", "VIP", AudienceHarness.Email("ada@example.com"), new MessageOptions { MessageId = "last-exit" });
        await AudienceHarness.FlushAsync(analytics);

        Assert.False(_h.InList(AudienceHarness.Vip, "ada@example.com"));
        Assert.True(_h.InList(AudienceHarness.Churn, "ada@example.com"));
        // one add for VIP earlier, one add for Churn; the three VIP updates netted to one removal
        Assert.Equal(2, _h.Requests("POST /api/lists/{id}/relationships/profiles"));
        Assert.Equal(1, _h.Requests("DELETE /api/lists/{id}/relationships/profiles"));
        Assert.Equal(2, _h.Outcomes.Count(o => o.Status == DeliveryStatus.Skipped && o.Reason!.Contains("last one wins", StringComparison.Ordinal)));
        Assert.Equal(DeliveryStatus.Delivered, _h.Outcomes.Single(o => o.MessageId == "last-exit").Status);
    }

    [Fact]
    public async Task An_unknown_audience_or_a_missing_email_is_rejected_with_a_fix()
    {
        await using var analytics = _h.Client();
        analytics.AudienceEntered("u-1", "Whales", AudienceHarness.Email("ada@example.com"));
        analytics.AudienceEntered("u-2", "VIP");
        await AudienceHarness.FlushAsync(analytics);

        var outcomes = _h.Outcomes.ToList();
        Assert.Equal(2, outcomes.Count);
        Assert.All(outcomes, o => Assert.Equal(DeliveryStatus.Rejected, o.Status));
        Assert.Equal("Audience 'Whales' has no list in AudienceLists; add it (AudienceLists[\"Whales\"] = \"<Klaviyo list id>\") or stop sending this audience to Klaviyo.",
            outcomes.Single(o => o.UserId == "u-1").Reason);
        Assert.Contains("needs the person's email", outcomes.Single(o => o.UserId == "u-2").Reason, StringComparison.Ordinal);
        Assert.Equal(0, _h.Klaviyo.Counters.Snapshot().Values.Sum(s => s.Values.Sum()));
    }

    [Fact]
    public async Task Profile_ids_come_from_upserts_and_lookups_and_are_cached()
    {
        await using (var analytics = _h.Client(o => o.DeliveryMode = DeliveryMode.LowLatency))
        {
            // single upserts answer with data.id: no look-up needed afterwards
            for (var i = 0; i < 3; i++) analytics.Identify($"known-{i}", AudienceHarness.Email($"known{i}@example.com"));
            await AudienceHarness.FlushAsync(analytics);
            for (var i = 0; i < 3; i++) analytics.AudienceEntered($"known-{i}", "VIP", AudienceHarness.Email($"known{i}@example.com"));
            await AudienceHarness.FlushAsync(analytics);
            Assert.Equal(0, _h.Requests("GET /api/profiles"));
        }
        await using (var analytics = _h.Client())
        {
            // people Klaviyo does not know: one look-up for the batch, then created; later changes use the cache
            for (var i = 0; i < 5; i++) analytics.AudienceEntered($"new-{i}", "Churn Risk", AudienceHarness.Email($"new{i}@example.com"));
            await AudienceHarness.FlushAsync(analytics);
            Assert.Equal(1, _h.Requests("GET /api/profiles"));
            Assert.Equal(3 + 5, _h.Requests("POST /api/profile-import"));
            for (var i = 0; i < 5; i++) analytics.AudienceExited($"new-{i}", "Churn Risk", AudienceHarness.Email($"new{i}@example.com"));
            await AudienceHarness.FlushAsync(analytics);
            for (var i = 0; i < 5; i++) analytics.AudienceEntered($"new-{i}", "VIP", AudienceHarness.Email($"NEW{i}@example.com"));
            await AudienceHarness.FlushAsync(analytics);
        }
        Assert.Equal(1, _h.Requests("GET /api/profiles"));
        Assert.Equal(8, _h.Members(AudienceHarness.Vip).Count);
        Assert.Equal("new-0", _h.Profile("new0@example.com").ExternalId); // created with the identity settings (userId → external_id)
        Assert.Empty(_h.Members(AudienceHarness.Churn));
        // every list change was one request per list and direction
        Assert.Equal(3, _h.Requests("POST /api/lists/{id}/relationships/profiles"));
        Assert.Equal(1, _h.Requests("DELETE /api/lists/{id}/relationships/profiles"));
        Assert.All(_h.Outcomes, o => Assert.Equal(DeliveryStatus.Delivered, o.Status));
    }

    [Fact]
    public async Task Removing_someone_Klaviyo_does_not_know_sends_nothing_and_says_so()
    {
        await using var analytics = _h.Client();
        analytics.AudienceExited("ghost", "VIP", AudienceHarness.Email("ghost@example.com"));
        await AudienceHarness.FlushAsync(analytics);
        var outcome = Assert.Single(_h.Outcomes);
        Assert.Equal(DeliveryStatus.Skipped, outcome.Status);
        Assert.Contains("no profile with email ghost@example.com", outcome.Reason, StringComparison.Ordinal);
        Assert.Equal(0, _h.Requests("DELETE /api/lists/{id}/relationships/profiles"));
        Assert.Empty(_h.Klaviyo.State.Profiles);
    }

    [Fact]
    public async Task Audience_Entered_and_Exited_events_change_the_list_and_are_still_recorded()
    {
        await using var analytics = _h.Client();
        analytics.Track("u-1", "Audience Entered", new Dictionary<string, object?> { ["audience_name"] = "VIP", ["email"] = "ada@example.com" });
        await AudienceHarness.FlushAsync(analytics);
        Assert.True(_h.InList(AudienceHarness.Vip, "ada@example.com"));
        analytics.Track("u-1", "Audience Exited", new Dictionary<string, object?> { ["audience"] = "VIP", ["email"] = "ada@example.com" });
        await AudienceHarness.FlushAsync(analytics);
        Assert.False(_h.InList(AudienceHarness.Vip, "ada@example.com"));
        Assert.Equal(["Audience Entered", "Audience Exited"], _h.Klaviyo.State.Events.Select(e => e.MetricName));
        Assert.All(_h.Outcomes, o => Assert.Equal(DeliveryStatus.Delivered, o.Status));
    }

    [Fact]
    public async Task A_persons_profile_then_list_then_events_leave_in_that_order()
    {
        await using (var analytics = _h.Client(o => { o.DefaultListId = AudienceHarness.Newsletter; o.ConfirmOptIn = false; }))
        {
            for (var i = 0; i < 3; i++)
            {
                analytics.Identify($"u-{i}", new Dictionary<string, object?> { ["email"] = $"p{i}@example.com", ["firstName"] = "P" });
                analytics.Track($"u-{i}", "Signed Up", new Dictionary<string, object?> { ["plan"] = "pro" });
            }
            await AudienceHarness.FlushAsync(analytics);
        }
        Assert.All(_h.Outcomes, o => Assert.Equal(DeliveryStatus.Delivered, o.Status));
        Assert.Equal(3, _h.Members(AudienceHarness.Newsletter).Count);

        var exchanges = _h.Handler.Exchanges.Where(e => e.Status < 300).ToList();
        long Done(string path) => exchanges.Where(e => e.Path.StartsWith(path, StringComparison.Ordinal)).Max(e => e.Answered);
        long Start(string path) => exchanges.Where(e => e.Path.StartsWith(path, StringComparison.Ordinal)).Min(e => e.Started);
        // profiles (a bulk import job, followed until complete) → list membership → events
        var profilesDone = exchanges.Where(e => e.Method == "GET" && e.Path.StartsWith("/api/profile-bulk-import-jobs/", StringComparison.Ordinal)).Max(e => e.Answered);
        Assert.True(Start("/api/lists/") > profilesDone, "the list change left before the profile import job completed");
        Assert.True(Start("/api/event") > Done("/api/lists/"), "events left before the list change was answered");
        var listCall = exchanges.Single(e => e.Method == "POST" && e.Path.StartsWith("/api/lists/", StringComparison.Ordinal));
        Assert.Equal(3, listCall.Request!["data"]!.AsArray().Count);
    }
}
