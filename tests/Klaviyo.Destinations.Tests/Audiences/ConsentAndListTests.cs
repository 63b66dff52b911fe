namespace Klaviyo.Destinations.Tests.Audiences;

/// <summary>List sign-ups on Identify, consent per channel, the unsubscribe guard, computed audiences and privacy deletion, against the emulator.</summary>
public sealed class ConsentAndListTests : IAsyncLifetime
{
    private static readonly DateTimeOffset s_consentedAt = new(2026, 1, 15, 9, 30, 0, TimeSpan.Zero);
    private AudienceHarness _h = null!;

    public async Task InitializeAsync() => _h = await AudienceHarness.StartAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    private static MessageOptions ListCall(string? listId, bool? confirmOptIn = null) =>
        new() { Integrations = new Integrations { Klaviyo = new KlaviyoIntegrationOptions { ListId = listId, ConfirmOptIn = confirmOptIn } } };

    [Fact]
    public async Task The_per_call_list_beats_the_default_list()
    {
        await using (var analytics = _h.Client(o => { o.DefaultListId = AudienceHarness.Newsletter; o.ConfirmOptIn = false; }))
        {
            analytics.Identify("u-1", AudienceHarness.Email("ada@example.com"));
            analytics.Identify("u-2", AudienceHarness.Email("bob@example.com"), ListCall(AudienceHarness.Vip));
            analytics.Identify("u-3", new Dictionary<string, object?> { ["firstName"] = "NoEmail" });
            await AudienceHarness.FlushAsync(analytics);
        }
        Assert.True(_h.InList(AudienceHarness.Newsletter, "ada@example.com"));
        Assert.True(_h.InList(AudienceHarness.Vip, "bob@example.com"));
        Assert.False(_h.InList(AudienceHarness.Newsletter, "bob@example.com"));
        // Segment's rule: a list sign-up needs an email; the profile itself is still sent
        var noEmail = _h.Outcomes.Where(o => o.UserId == "u-3").ToList();
        Assert.Contains(noEmail, o => o.Kind == ItemKind.Profile && o.Status == DeliveryStatus.Delivered);
        Assert.Contains(noEmail, o => o.Kind == ItemKind.AddToList && o.Status == DeliveryStatus.Rejected && o.Reason!.Contains("needs the person's email", StringComparison.Ordinal));
        Assert.Single(_h.Members(AudienceHarness.Newsletter));
    }

    [Fact]
    public async Task Confirm_opt_in_subscribes_through_the_list_and_without_it_only_membership_changes()
    {
        await using (var analytics = _h.Client(o => o.DefaultListId = AudienceHarness.Newsletter))
        {
            analytics.Identify("u-1", AudienceHarness.Email("optin@example.com"));
            analytics.Identify("u-2", AudienceHarness.Email("plain@example.com"), ListCall(null, confirmOptIn: false));
            await AudienceHarness.FlushAsync(analytics);
        }
        Assert.All(_h.Outcomes, o => Assert.Equal(DeliveryStatus.Delivered, o.Status));
        // ConfirmOptIn = true: a subscription job through the list (its double opt-in applies; no historical import)
        var job = Assert.Single(_h.Handler.Exchanges, e => e.Path == "/api/profile-subscription-bulk-create-jobs").Request!["data"]!;
        Assert.Equal(AudienceHarness.Newsletter, (string?)job["relationships"]!["list"]!["data"]!["id"]);
        Assert.Null(job["attributes"]!["historical_import"]);
        Assert.Equal("SUBSCRIBED", (string?)job["attributes"]!["profiles"]!["data"]![0]!["attributes"]!["subscriptions"]!["email"]!["marketing"]!["consent"]);
        Assert.True(_h.InList(AudienceHarness.Newsletter, "optin@example.com"));
        Assert.Equal("SUBSCRIBED", _h.Profile("optin@example.com").ConsentFor("email", "marketing"));
        // ConfirmOptIn = false: plain membership, consent untouched
        Assert.True(_h.InList(AudienceHarness.Newsletter, "plain@example.com"));
        Assert.Null(_h.Profile("plain@example.com").ConsentFor("email", "marketing"));
        Assert.Equal(1, _h.Requests("POST /api/lists/{id}/relationships/profiles"));
    }

    [Fact]
    public async Task Consent_is_granted_and_revoked_per_channel_with_the_time_it_was_given()
    {
        var traits = new Dictionary<string, object?> { ["email"] = "ada@example.com", ["phone"] = "+14155550123" };
        await using (var analytics = _h.Client(o =>
        {
            o.ConsentMapping["newsletter"] = KlaviyoConsentChannel.EmailMarketing;
            o.ConsentMapping["sms_offers"] = KlaviyoConsentChannel.SmsMarketing;
            o.ConsentMapping["order_texts"] = KlaviyoConsentChannel.SmsTransactional;
            o.ConsentSource = "Mobile app";
        }))
        {
            analytics.SetConsent("u-1", new Dictionary<string, bool> { ["newsletter"] = true, ["sms_offers"] = true, ["order_texts"] = true }, traits,
                new MessageOptions { Timestamp = s_consentedAt });
            await AudienceHarness.FlushAsync(analytics);
            var ada = _h.Profile("ada@example.com");
            Assert.Equal("SUBSCRIBED", ada.ConsentFor("email", "marketing"));
            Assert.Equal("SUBSCRIBED", ada.ConsentFor("sms", "marketing"));
            Assert.Equal("SUBSCRIBED", ada.ConsentFor("sms", "transactional"));
            Assert.All(ada.Subscriptions.Values, c => Assert.Equal(s_consentedAt, c.Timestamp));
            Assert.All(ada.Subscriptions.Values, c => Assert.Equal("Mobile app", c.CustomSource));

            analytics.SetConsent("u-1", new Dictionary<string, bool> { ["sms_offers"] = false }, traits);
            analytics.Identify("u-1", traits, new MessageOptions { Consent = new Dictionary<string, bool> { ["newsletter"] = false, ["unknown_thing"] = true } });
            await AudienceHarness.FlushAsync(analytics);
        }
        var after = _h.Profile("ada@example.com");
        Assert.Equal("UNSUBSCRIBED", after.ConsentFor("sms", "marketing"));
        Assert.Equal("SUBSCRIBED", after.ConsentFor("sms", "transactional"));
        Assert.Equal("UNSUBSCRIBED", after.ConsentFor("email", "marketing"));
        var unknown = Assert.Single(_h.Outcomes, o => o.Status == DeliveryStatus.Rejected);
        Assert.StartsWith("Consent 'unknown_thing' has no Klaviyo channel in ConsentMapping", unknown.Reason, StringComparison.Ordinal);
        var grant = Assert.Single(_h.Handler.Exchanges, e => e.Path == "/api/profile-subscription-bulk-create-jobs").Request!["data"]!["attributes"]!;
        Assert.True((bool)grant["historical_import"]!);
        Assert.Equal(2, _h.Requests("POST /api/profile-subscription-bulk-delete-jobs"));
    }

    [Fact]
    public async Task Revoking_consent_for_a_list_the_profile_is_not_in_does_not_unsubscribe_it_globally()
    {
        var ada = AudienceHarness.Email("ada@example.com");
        var revoke = new Dictionary<string, bool> { ["email_marketing"] = false };
        await using (var analytics = _h.Client())
        {
            analytics.SetConsent("u-1", new Dictionary<string, bool> { ["email_marketing"] = true }, ada, new MessageOptions { Timestamp = s_consentedAt });
            analytics.AudienceEntered("u-1", "VIP", ada);
            await AudienceHarness.FlushAsync(analytics);

            // not in the Newsletter list: Klaviyo would unsubscribe everywhere, so nothing is sent
            analytics.SetConsent("u-1", revoke, ada, ListCall(AudienceHarness.Newsletter));
            // an exit from a list the profile is not in only changes membership
            analytics.AudienceExited("u-1", "Churn Risk", ada);
            await AudienceHarness.FlushAsync(analytics);
            Assert.Equal("SUBSCRIBED", _h.Profile("ada@example.com").ConsentFor("email", "marketing"));
            var guarded = Assert.Single(_h.Outcomes, o => o.Kind == ItemKind.Unsubscribe);
            Assert.Equal(DeliveryStatus.Skipped, guarded.Status);
            Assert.Contains($"not in list {AudienceHarness.Newsletter}", guarded.Reason, StringComparison.Ordinal);
            Assert.Equal(0, _h.Requests("POST /api/profile-subscription-bulk-delete-jobs"));
            Assert.Equal(1, _h.Requests("GET /api/lists/{id}/profiles"));

            // in the VIP list: the unsubscription leaves that list and keeps the global consent
            analytics.SetConsent("u-1", revoke, ada, ListCall(AudienceHarness.Vip));
            await AudienceHarness.FlushAsync(analytics);
        }
        Assert.False(_h.InList(AudienceHarness.Vip, "ada@example.com"));
        Assert.Equal("SUBSCRIBED", _h.Profile("ada@example.com").ConsentFor("email", "marketing"));
        Assert.Equal(1, _h.Requests("POST /api/profile-subscription-bulk-delete-jobs"));

        await using (var strict = _h.Client(o => o.UnsubscribeOutsideList = UnsubscribeOutsideList.Reject))
        {
            strict.SetConsent("u-1", revoke, ada, ListCall(AudienceHarness.Newsletter, null));
            await AudienceHarness.FlushAsync(strict);
        }
        Assert.Equal(DeliveryStatus.Rejected, _h.Outcomes.Last().Status);
        Assert.Equal("SUBSCRIBED", _h.Profile("ada@example.com").ConsentFor("email", "marketing"));
    }

    [Fact]
    public async Task Computed_audiences_are_sent_only_when_membership_changes()
    {
        var traits = AudienceHarness.Email("ada@example.com");
        MessageOptions Member(bool vip) => new() { Audiences = new Dictionary<string, bool> { ["VIP Customers"] = vip } };
        await using (var analytics = _h.Client(o => o.ComputedAudienceLists["VIP Customers"] = AudienceHarness.Vip))
        {
            analytics.Identify("u-1", traits, Member(true));
            await AudienceHarness.FlushAsync(analytics);
            Assert.True((bool)_h.Profile("ada@example.com").Properties["vip_customers"]!);
            Assert.True(_h.InList(AudienceHarness.Vip, "ada@example.com"));

            analytics.Identify("u-1", new Dictionary<string, object?>(), Member(true));   // unchanged: nothing is sent
            await AudienceHarness.FlushAsync(analytics);
            Assert.Equal(DeliveryStatus.Skipped, _h.Outcomes.Last().Status);
            Assert.Equal(1, _h.Requests("POST /api/profile-import"));

            analytics.Identify("u-1", new Dictionary<string, object?>(), Member(false));
            await AudienceHarness.FlushAsync(analytics);
        }
        Assert.False((bool)_h.Profile("ada@example.com").Properties["vip_customers"]!);
        Assert.True(_h.Outcomes.All(o => o.Status != DeliveryStatus.Rejected), string.Join("\n", _h.Outcomes));
        Assert.False(_h.InList(AudienceHarness.Vip, "ada@example.com"));
        Assert.Equal(2, _h.Requests("POST /api/profile-import"));
    }

    [Fact]
    public async Task Deletion_by_email_phone_or_external_id_removes_the_profile()
    {
        await using (var analytics = _h.Client(o => o.AlternateIdentifier = AlternateIdentifier.CustomerId))
        {
            analytics.Identify("u-1", AudienceHarness.Email("one@example.com"));
            analytics.Identify("u-2", new Dictionary<string, object?> { ["email"] = "two@example.com", ["phone"] = "+14155550111" });
            analytics.Identify("u-3", AudienceHarness.Email("three@example.com"));
            analytics.Identify("u-4", AudienceHarness.Email("four@example.com"));
            analytics.AudienceEntered("u-1", "VIP", AudienceHarness.Email("one@example.com"));
            await AudienceHarness.FlushAsync(analytics);
            Assert.Equal(4, _h.Klaviyo.State.Profiles.Count);

            analytics.DeleteProfile("u-1", ProfileKey.Email("one@example.com"));
            analytics.DeleteProfile("u-2", ProfileKey.PhoneNumber("+1 415 555 0111"));
            analytics.DeleteProfile("u-3", ProfileKey.ExternalId("u-3"));
            analytics.DeleteProfile(null, ProfileKey.ExternalId("nobody"));
            await AudienceHarness.FlushAsync(analytics);
        }
        Assert.Equal(["four@example.com"], _h.Klaviyo.State.Profiles.Select(p => p.Email));
        Assert.Empty(_h.Members(AudienceHarness.Vip));
        Assert.Equal(3, _h.Klaviyo.Counters.Get("POST /api/data-privacy-deletion-jobs", 202));
        var deletions = _h.Handler.Exchanges.Where(e => e.Path == "/api/data-privacy-deletion-jobs").Select(e => e.Request!["data"]!["attributes"]!["profile"]!["data"]!).ToList();
        Assert.Contains(deletions, d => d["id"] is not null);   // the external id was resolved to Klaviyo's id first
        var nobody = _h.Outcomes.Single(o => o.Kind == ItemKind.DeleteProfile && o.Status != DeliveryStatus.Delivered);
        Assert.Equal(DeliveryStatus.Skipped, nobody.Status);
        Assert.Contains("no profile with external_id nobody", nobody.Reason, StringComparison.Ordinal);
    }
}
