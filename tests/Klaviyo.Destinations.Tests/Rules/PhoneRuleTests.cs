using Klaviyo.Destinations.Tests.Support;

namespace Klaviyo.Destinations.Tests.Rules;

/// <summary>Phones become E.164 (libphonenumber); the country trait or DefaultPhoneRegion supplies a missing country code.</summary>
public sealed class PhoneRuleTests
{
    [Theory]
    [InlineData("+1 (415) 555-0123", null, "+14155550123")]
    [InlineData("(415) 555-0123", "US", "+14155550123")]
    [InlineData("(415) 555-0123", "United States", "+14155550123")]
    [InlineData("030 901820", "Germany", "+4930901820")]
    [InlineData("020 7183 8750", "GB", "+442071838750")]
    public async Task Phones_are_normalised_to_E164_using_the_country_trait(string raw, string? country, string expected)
    {
        await using var h = new Harness();
        var traits = new Dictionary<string, object?> { ["email"] = "p@example.com", ["phone"] = raw };
        if (country is not null) traits["country"] = country;
        h.Analytics.Identify("u", traits);
        await h.FlushAsync();
        Assert.Equal(expected, Json.Str(h.Sender.Profiles().Single(), "phone_number"));
    }

    [Fact]
    public async Task Without_a_country_the_default_region_is_used()
    {
        await using var h = new Harness(o => o.DefaultPhoneRegion = "US");
        h.Analytics.Identify("u", new Dictionary<string, object?> { ["email"] = "p@example.com", ["phoneNumber"] = "415-555-0123" });
        await h.FlushAsync();
        Assert.Equal("+14155550123", Json.Str(h.Sender.Profiles().Single(), "phone_number"));
    }

    [Fact]
    public async Task An_invalid_phone_is_left_out_the_rest_is_sent_and_the_reason_is_reported()
    {
        await using var h = new Harness();
        h.Analytics.Identify("u", new Dictionary<string, object?> { ["email"] = "p@example.com", ["phone"] = "12345", ["firstName"] = "Pat" });
        await h.FlushAsync();
        var profile = h.Sender.Profiles().Single();
        Assert.False(Json.Has(profile, "phone_number"));
        Assert.Equal("Pat", Json.Str(profile, "first_name"));
        var warning = Assert.Single(h.Outcomes.Single().Warnings);
        Assert.Equal("phone_number", warning.Field);
        Assert.Contains("12345", warning.Reason);
    }

    [Fact]
    public async Task A_profile_whose_only_identifier_is_an_invalid_phone_is_rejected_with_both_reasons()
    {
        await using var h = new Harness(o => o.AlternateIdentifier = AlternateIdentifier.None);
        h.Analytics.Identify(null, new Dictionary<string, object?> { ["phone"] = "not-a-phone" });
        await h.FlushAsync();
        var rejected = Assert.Single(h.Rejected());
        Assert.Contains("no identifier", rejected.Reason);
        Assert.Contains("not-a-phone", rejected.Reason);
    }
}
