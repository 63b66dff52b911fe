using System.Text.Json;
using System.Text.Json.Nodes;
using Klaviyo.Destinations.Tests.Support;

namespace Klaviyo.Destinations.Tests.Mapping;

/// <summary>The dictionary/JSON path: the generated key switch over the tables, end to end through Identify.</summary>
public sealed class DictionaryMappingTests
{
    private static async Task<(JsonObject? Profile, Harness Harness)> IdentifyAsync(IReadOnlyDictionary<string, object?> traits, Action<KlaviyoDestinationOptions>? configure = null, string? userId = "user-1")
    {
        var harness = new Harness(configure);
        harness.Analytics.Identify(userId, traits);
        await harness.FlushAsync();
        return (harness.Sender.Profiles().SingleOrDefault(), harness);
    }

    public static TheoryData<string, string> ProfileTraitRows()
    {
        var rows = new TheoryData<string, string>();
        foreach (var row in KlaviyoMappingTables.ProfileTraits)
        {
            if (row.Key == KlaviyoMappingTables.CompanyKey) continue;
            var path = (ProfileFieldInfo.IsLocation(row.Field) ? "location." : "") + ProfileFieldInfo.JsonName(row.Field);
            rows.Add(row.Key, path);
        }
        return rows;
    }

    [Theory]
    [MemberData(nameof(ProfileTraitRows))]
    public async Task Every_table_key_fills_its_Klaviyo_field(string key, string path)
    {
        var value = path switch
        {
            "email" => "t@example.com",
            "phone_number" => "+14155550123",
            "location.latitude" or "location.longitude" => (object)12.34567,
            _ => "value-" + key,
        };
        // A userId would name the person itself (the call's external_id wins over the traits'), so external_id rows go without one.
        var (profile, harness) = await IdentifyAsync(new Dictionary<string, object?> { ["email"] = "base@example.com", [key] = value },
            userId: path == "external_id" ? null : "user-1");
        await using var _ = harness;
        Assert.NotNull(profile);
        var expected = value is double ? "12.3457" : (string)value;
        Assert.Equal(expected, Json.Str(profile, path));
        Assert.False(Json.Has(profile, "properties." + key), $"'{key}' must not also be sent as a custom property");
    }

    [Fact]
    public async Task Unknown_traits_become_properties_with_a_leading_dollar_removed()
    {
        var (profile, harness) = await IdentifyAsync(new Dictionary<string, object?>
        {
            ["email"] = "m@example.com", ["$custom_attribute"] = "c", ["$source"] = "app", ["plan"] = "pro", ["friends"] = 42,
        });
        await using var _ = harness;
        Assert.Equal("c", Json.Str(profile, "properties.custom_attribute"));
        Assert.Equal("app", Json.Str(profile, "properties.source"));
        Assert.Equal("pro", Json.Str(profile, "properties.plan"));
        Assert.Equal("42", Json.Str(profile, "properties.friends"));
        Assert.False(Json.Has(profile, "properties.$custom_attribute"));
    }

    [Fact]
    public async Task Nested_Segment_address_and_company_object_fill_location_and_organization()
    {
        var (profile, harness) = await IdentifyAsync(new Dictionary<string, object?>
        {
            ["email"] = "a@example.com",
            ["address"] = new Dictionary<string, object?> { ["street"] = "1 Main St", ["city"] = "Boston", ["state"] = "MA", ["postalCode"] = "02110", ["country"] = "USA" },
            ["company"] = new Dictionary<string, object?> { ["name"] = "Initech", ["employees"] = 50 },
        });
        await using var _ = harness;
        Assert.Equal("1 Main St", Json.Str(profile, "location.address1"));
        Assert.Equal("Boston", Json.Str(profile, "location.city"));
        Assert.Equal("MA", Json.Str(profile, "location.region"));
        Assert.Equal("02110", Json.Str(profile, "location.zip"));
        Assert.Equal("USA", Json.Str(profile, "location.country"));
        Assert.Equal("Initech", Json.Str(profile, "organization"));
    }

    [Fact]
    public async Task Amperity_properties_object_is_merged_into_properties()
    {
        var (profile, harness) = await IdentifyAsync(new Dictionary<string, object?>
        {
            ["email"] = "amp@example.com", ["last_event_date"] = "2026-01-01", ["properties"] = new Dictionary<string, object?> { ["store_id"] = "s-9" },
        });
        await using var _ = harness;
        Assert.Equal("s-9", Json.Str(profile, "properties.store_id"));
        Assert.Equal("2026-01-01", Json.Str(profile, "properties.last_event_date"));
    }

    [Fact]
    public async Task A_present_null_clears_the_field_in_Klaviyo()
    {
        var (profile, harness) = await IdentifyAsync(new Dictionary<string, object?> { ["email"] = "n@example.com", ["firstName"] = null, ["nickname"] = null });
        await using var _ = harness;
        Assert.True(profile!.ContainsKey("first_name"));
        Assert.Null(profile["first_name"]);
        Assert.Null(profile["properties"]!["nickname"]);
    }

    [Fact]
    public async Task Property_mapping_setting_maps_extra_keys_to_profile_fields()
    {
        var (profile, harness) = await IdentifyAsync(new Dictionary<string, object?> { ["email"] = "p@example.com", ["favouriteStore"] = "Soho" },
            o => o.PropertyMapping["favouriteStore"] = ProfileField.Organization);
        await using var _ = harness;
        Assert.Equal("Soho", Json.Str(profile, "organization"));
    }

    [Fact]
    public async Task Dictionary_and_typed_model_with_the_same_data_produce_the_same_profile()
    {
        var typed = GeneratedMapperTests.MapProfile(new Customer("same@example.com", "Sam", "Lee", null, "Dr", "Acme", null, "America/New_York",
            new PostalAddress("5 Elm", "Austin", "TX", "73301", "US"), 7, Tier.Gold, null, null));
        var (profile, harness) = await IdentifyAsync(new Dictionary<string, object?>
        {
            ["email"] = "same@example.com", ["firstName"] = "Sam", ["lastName"] = "Lee", ["title"] = "Dr", ["company"] = "Acme", ["timezone"] = "America/New_York",
            ["address"] = new Dictionary<string, object?> { ["street"] = "5 Elm", ["city"] = "Austin", ["state"] = "TX", ["postalCode"] = "73301", ["country"] = "US" },
            ["LoyaltyPoints"] = 7, ["Tier"] = "Gold",
        }, o => o.AlternateIdentifier = AlternateIdentifier.None);
        await using var _ = harness;
        foreach (var path in new[] { "email", "first_name", "last_name", "title", "organization", "location.timezone", "location.address1", "location.city", "location.region", "location.zip", "location.country", "properties.LoyaltyPoints", "properties.Tier" })
            Assert.Equal(Json.Str(typed, path), Json.Str(profile, path));
    }

    [Fact]
    public async Task JsonElement_and_JsonObject_traits_map_like_dictionaries()
    {
        await using var harness = new Harness();
        harness.Analytics.Identify("u-json", JsonDocument.Parse("""{"email":"j@example.com","$firstname":"Jo","address":{"city":"Oslo"},"score":3.5}""").RootElement);
        harness.Analytics.Identify("u-node", new JsonObject { ["email"] = "k@example.com", ["lastName"] = "Kay" });
        await harness.FlushAsync();
        // Two people: their profiles may be sent in either order, so each is found by its email.
        var profiles = harness.Sender.Profiles();
        var jo = Assert.Single(profiles, p => Json.Str(p, "email") == "j@example.com");
        var kay = Assert.Single(profiles, p => Json.Str(p, "email") == "k@example.com");
        Assert.Equal("Jo", Json.Str(jo, "first_name"));
        Assert.Equal("Oslo", Json.Str(jo, "location.city"));
        Assert.Equal("3.5", Json.Str(jo, "properties.score"));
        Assert.Equal("Kay", Json.Str(kay, "last_name"));
    }
}
