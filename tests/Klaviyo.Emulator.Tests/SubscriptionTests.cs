using System.Net;
using System.Text.Json.Nodes;

namespace Klaviyo.Emulator.Tests;

public sealed class SubscriptionTests
{
    private static JsonObject Row(string? email, string? phone, JsonObject subscriptions)
    {
        var row = new JsonObject();
        if (email is not null)
        {
            row["email"] = email;
        }

        if (phone is not null)
        {
            row["phone_number"] = phone;
        }

        row["subscriptions"] = subscriptions;
        return row;
    }

    [Fact]
    public async Task Subscribe_sets_consent_per_channel_creates_the_profile_and_adds_it_to_the_list()
    {
        await using var k = await TestEmulator.StartAsync();
        var list = k.Emulator.CreateList("Newsletter");

        using var response = await k.PostAsync("api/profile-subscription-bulk-create-jobs", Bodies.Subscription(true,
            [Row("a@example.com", "+15005550006", Bodies.Consent("SUBSCRIBED", "email.marketing", "sms.marketing", "sms.transactional"))], list));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var p = Assert.Single(k.State.Profiles);
        Assert.Equal("SUBSCRIBED", p.ConsentFor("email", "marketing"));
        Assert.Equal("SUBSCRIBED", p.ConsentFor("sms", "marketing"));
        Assert.Equal("SUBSCRIBED", p.ConsentFor("sms", "transactional"));
        Assert.Equal(list, p.Subscriptions["email.marketing"].ListId);
        Assert.Equal([list], p.ListIds);
    }

    [Fact]
    public async Task Unsubscribe_with_a_list_the_profile_is_in_only_leaves_that_list()
    {
        await using var k = await TestEmulator.StartAsync();
        var list = k.Emulator.CreateList("Newsletter");
        (await k.PostAsync("api/profile-subscription-bulk-create-jobs", Bodies.Subscription(true, [Row("a@example.com", null, Bodies.Consent("SUBSCRIBED", "email.marketing"))], list))).Dispose();

        using var response = await k.PostAsync("api/profile-subscription-bulk-delete-jobs", Bodies.Subscription(false, [Row("a@example.com", null, Bodies.Consent("UNSUBSCRIBED", "email.marketing"))], list));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var p = Assert.Single(k.State.Profiles);
        Assert.Empty(p.ListIds);
        Assert.Equal("SUBSCRIBED", p.ConsentFor("email", "marketing"));
    }

    [Fact]
    public async Task Unsubscribe_with_a_list_the_profile_is_not_in_is_a_global_unsubscribe()
    {
        await using var k = await TestEmulator.StartAsync();
        var newsletter = k.Emulator.CreateList("Newsletter");
        var other = k.Emulator.CreateList("Other");
        (await k.PostAsync("api/profile-subscription-bulk-create-jobs", Bodies.Subscription(true,
            [Row("a@example.com", "+15005550006", Bodies.Consent("SUBSCRIBED", "email.marketing", "sms.marketing"))], newsletter))).Dispose();

        (await k.PostAsync("api/profile-subscription-bulk-delete-jobs", Bodies.Subscription(false,
            [Row("a@example.com", "+15005550006", Bodies.Consent("UNSUBSCRIBED", "email.marketing"))], other))).Dispose();

        var p = Assert.Single(k.State.Profiles);
        Assert.Equal("UNSUBSCRIBED", p.ConsentFor("email", "marketing"));
        Assert.Equal("SUBSCRIBED", p.ConsentFor("sms", "marketing"));
        Assert.Equal([newsletter], p.ListIds);
    }

    [Fact]
    public async Task Unsubscribe_without_a_list_is_global()
    {
        await using var k = await TestEmulator.StartAsync();
        (await k.PostAsync("api/profile-subscription-bulk-create-jobs", Bodies.Subscription(true, [Row(null, "+15005550006", Bodies.Consent("SUBSCRIBED", "sms.marketing"))]))).Dispose();
        (await k.PostAsync("api/profile-subscription-bulk-delete-jobs", Bodies.Subscription(false, [Row(null, "+15005550006", Bodies.Consent("UNSUBSCRIBED", "sms.marketing"))]))).Dispose();
        Assert.Equal("UNSUBSCRIBED", Assert.Single(k.State.Profiles).ConsentFor("sms", "marketing"));
    }

    [Fact]
    public async Task Sms_consent_without_a_phone_and_historical_import_without_consented_at_are_400()
    {
        await using var k = await TestEmulator.StartAsync();
        using var noPhone = await k.PostAsync("api/profile-subscription-bulk-create-jobs", Bodies.Subscription(true,
            [Row("a@example.com", null, Bodies.Consent("SUBSCRIBED", "email.marketing")), Row("b@example.com", null, Bodies.Consent("SUBSCRIBED", "sms.marketing"))]));
        Assert.Equal("/data/attributes/profiles/data/1/attributes/subscriptions/sms", TestEmulator.Pointer(await TestEmulator.Error(noPhone, 400)));

        using var historical = await k.PostAsync("api/profile-subscription-bulk-create-jobs", Bodies.Subscription(true,
            [Row("a@example.com", null, Bodies.Consent("SUBSCRIBED", "email.marketing"))], historical: true));
        Assert.Equal("/data/attributes/profiles/data/0/attributes/subscriptions/email/marketing/consented_at", TestEmulator.Pointer(await TestEmulator.Error(historical, 400)));

        using var wrongConsent = await k.PostAsync("api/profile-subscription-bulk-create-jobs", Bodies.Subscription(true,
            [Row("a@example.com", null, Bodies.Consent("UNSUBSCRIBED", "email.marketing"))]));
        Assert.Equal("/data/attributes/profiles/data/0/attributes/subscriptions/email/marketing/consent", TestEmulator.Pointer(await TestEmulator.Error(wrongConsent, 400)));
        Assert.Empty(k.State.Profiles);
    }
}
