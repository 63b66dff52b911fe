using Klaviyo.Destinations.Tests.Support;

namespace Klaviyo.Destinations.Tests.Rules;

/// <summary>Identity settings from the seeds, and the "every message needs an identifier Klaviyo accepts" rule.</summary>
public sealed class IdentityRuleTests
{
    private static Dictionary<string, object?> Traits(params (string Key, object? Value)[] pairs) => pairs.ToDictionary(p => p.Key, p => p.Value);

    [Fact]
    public async Task By_default_the_userId_becomes_external_id()
    {
        await using var h = new Harness();
        h.Analytics.Identify("user-42", Traits(("email", "a@example.com")));
        await h.FlushAsync();
        Assert.Equal("user-42", Json.Str(h.Sender.Profiles().Single(), "external_id"));
    }

    [Fact]
    public async Task Alternate_identifier_None_sends_no_external_id_and_Other3_sends_that_identity()
    {
        await using var none = new Harness(o => o.AlternateIdentifier = AlternateIdentifier.None);
        none.Analytics.Identify("user-42", Traits(("email", "a@example.com")));
        await none.FlushAsync();
        Assert.False(Json.Has(none.Sender.Profiles().Single(), "external_id"));

        await using var other = new Harness(o => o.AlternateIdentifier = AlternateIdentifier.Other3);
        other.Analytics.Identify("user-42", Traits(("email", "a@example.com")),
            new MessageOptions { Identities = new Dictionary<UserIdentity, string> { [UserIdentity.Other3] = "crm-77", [UserIdentity.Other] = "x" } });
        await other.FlushAsync();
        Assert.Equal("crm-77", Json.Str(other.Sender.Profiles().Single(), "external_id"));
    }

    [Fact]
    public async Task Enforce_email_as_primary_identifier_moves_userId_to_an_id_property_and_requires_email()
    {
        await using var h = new Harness(o => o.EnforceEmailAsPrimaryIdentifier = true);
        h.Analytics.Identify("user-42", Traits(("email", "a@example.com")));
        h.Analytics.Identify("user-43", Traits(("firstName", "NoMail")));
        await h.FlushAsync();
        var profile = h.Sender.Profiles().Single();
        Assert.False(Json.Has(profile, "external_id"));
        Assert.Equal("user-42", Json.Str(profile, "properties.id"));
        var rejected = Assert.Single(h.Rejected());
        Assert.Contains("EnforceEmailAsPrimaryIdentifier", rejected.Reason);
    }

    [Fact]
    public async Task An_email_userId_is_sent_as_email()
    {
        await using var h = new Harness(o => o.AlternateIdentifier = AlternateIdentifier.None);
        h.Analytics.Identify("zoe@example.com", Traits(("firstName", "Zoe")));
        await h.FlushAsync();
        Assert.Equal("zoe@example.com", Json.Str(h.Sender.Profiles().Single(), "email"));
    }

    [Fact]
    public async Task A_profile_without_any_identifier_is_rejected_with_a_reason_and_others_still_go()
    {
        await using var h = new Harness(o => o.AlternateIdentifier = AlternateIdentifier.None);
        h.Analytics.Identify(null, Traits(("firstName", "Nobody")));
        h.Analytics.Identify(null, Traits(("email", "ok@example.com")));
        await h.FlushAsync();
        var rejected = Assert.Single(h.Rejected());
        Assert.Contains("no identifier", rejected.Reason);
        Assert.Equal("ok@example.com", Json.Str(h.Sender.Profiles().Single(), "email"));
    }

    [Fact]
    public async Task Fallback_on_anonymous_id_sends_anonymous_id_on_events_never_external_id()
    {
        var anonymous = new MessageOptions { AnonymousId = "anon-7" };
        await using var off = new Harness();
        off.Analytics.Track(null, "Browsed", null, anonymous);
        await off.FlushAsync();
        Assert.Contains("no profile identifier", Assert.Single(off.Rejected()).Reason);

        await using var on = new Harness(o => o.FallbackOnAnonymousId = true);
        on.Analytics.Track(null, "Browsed", null, anonymous);
        await on.FlushAsync();
        var profile = CapturingSender.EventProfile(on.Sender.Events().Single());
        Assert.Equal("anon-7", Json.Str(profile, "anonymous_id"));
        Assert.False(Json.Has(profile, "external_id"));
    }

    [Fact]
    public async Task Require_email_or_phone_on_events_rejects_events_keyed_by_userId_only()
    {
        await using var h = new Harness(o => o.RequireEmailOrPhoneOnEvents = true);
        h.Analytics.Track("user-1", "Clicked");
        h.Analytics.Track("user-2", "Clicked", new Dictionary<string, object?> { ["email"] = "two@example.com" });
        await h.FlushAsync();
        Assert.Contains("RequireEmailOrPhoneOnEvents", Assert.Single(h.Rejected()).Reason);
        Assert.Equal("two@example.com", Json.Str(CapturingSender.EventProfile(h.Sender.Events().Single()), "email"));
    }

    [Fact]
    public async Task Phone_identifier_setting_picks_which_identity_fills_phone_number()
    {
        await using var h = new Harness(o => o.PhoneIdentifier = PhoneIdentifier.PhoneNumber2);
        h.Analytics.Identify("u", Traits(("email", "p@example.com"), ("country", "US")), new MessageOptions
        {
            Identities = new Dictionary<UserIdentity, string> { [UserIdentity.MobileNumber] = "+14155550100", [UserIdentity.PhoneNumber2] = "(415) 555-0199" },
        });
        await h.FlushAsync();
        Assert.Equal("+14155550199", Json.Str(h.Sender.Profiles().Single(), "phone_number"));
    }

    [Fact]
    public async Task Invalid_email_is_left_out_with_a_warning_and_the_rest_is_sent()
    {
        await using var h = new Harness();
        h.Analytics.Identify("u-9", Traits(("email", "not an email"), ("firstName", "Kim")));
        await h.FlushAsync();
        var profile = h.Sender.Profiles().Single();
        Assert.False(Json.Has(profile, "email"));
        Assert.Equal("Kim", Json.Str(profile, "first_name"));
        var delivered = h.Outcomes.Single(o => o.Status == DeliveryStatus.Delivered);
        Assert.Contains(delivered.Warnings, w => w.Field == "email");
    }
}
