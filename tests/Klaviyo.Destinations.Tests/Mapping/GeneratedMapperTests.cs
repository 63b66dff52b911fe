using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Klaviyo.Destinations.Mapping;
using Klaviyo.Destinations.Tests.Support;

namespace Klaviyo.Destinations.Tests.Mapping;

/// <summary>The JSON that generated mappers write (the generator consumed as an analyzer by this project).</summary>
public sealed class GeneratedMapperTests
{
    internal static JsonObject MapProfile<T>(T value)
    {
        Assert.True(KlaviyoMapperRegistry.TryGetProfileMapper<T>(out var mapper), $"no generated mapper registered for {typeof(T).Name}");
        var buffer = new ArrayBufferWriter<byte>();
        using var json = new Utf8JsonWriter(buffer);
        var writer = new ProfileWriter();
        writer.Start(json);
        mapper.Map(value, writer);
        writer.Finish();
        json.Flush();
        return JsonNode.Parse(buffer.WrittenSpan)!.AsObject();
    }

    private static Customer Sample() => new(
        Email: "ada@example.com", FirstName: "Ada", LastName: "Lovelace", Phone: "+442071838750", Title: "Countess",
        Company: "Analytical Engines", Avatar: "https://img.example/ada.png", Timezone: "Europe/London",
        Address: new PostalAddress("12 St James's Square", "London", "England", "SW1Y 4JH", "United Kingdom", "Flat 2"),
        LoyaltyPoints: 42, Tier: Tier.Gold, Plan: "pro", PasswordHash: "secret-hash", Nickname: null,
        Tags: ["vip", "early"], Latitude: 51.507351234, Longitude: -0.127758m, SignedUpAt: new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero),
        ExternalId: Guid.Parse("7d1f8b6e-2a53-4a8e-9b1e-0c2f7b8d9e10"));

    [Fact]
    public void Typed_profile_fills_reserved_fields_location_and_custom_properties()
    {
        var attributes = MapProfile(Sample());

        Assert.Equal("ada@example.com", Json.Str(attributes, "email"));
        Assert.Equal("Ada", Json.Str(attributes, "first_name"));
        Assert.Equal("Lovelace", Json.Str(attributes, "last_name"));
        Assert.Equal("+442071838750", Json.Str(attributes, "phone_number"));
        Assert.Equal("Countess", Json.Str(attributes, "title"));
        Assert.Equal("Analytical Engines", Json.Str(attributes, "organization"));
        Assert.Equal("https://img.example/ada.png", Json.Str(attributes, "image"));
        Assert.Equal("7d1f8b6e-2a53-4a8e-9b1e-0c2f7b8d9e10", Json.Str(attributes, "external_id"));
        Assert.Equal("12 St James's Square", Json.Str(attributes, "location.address1"));
        Assert.Equal("London", Json.Str(attributes, "location.city"));
        Assert.Equal("England", Json.Str(attributes, "location.region"));
        Assert.Equal("SW1Y 4JH", Json.Str(attributes, "location.zip"));
        Assert.Equal("United Kingdom", Json.Str(attributes, "location.country"));
        Assert.Equal("Europe/London", Json.Str(attributes, "location.timezone"));
        Assert.Equal(51.5074, attributes["location"]!["latitude"]!.GetValue<double>());
        Assert.Equal(-0.1278, attributes["location"]!["longitude"]!.GetValue<double>());

        var properties = attributes["properties"]!.AsObject();
        Assert.Equal(42, properties["LoyaltyPoints"]!.GetValue<long>());
        Assert.Equal("Gold", (string?)properties["Tier"]);
        Assert.Equal("pro", (string?)properties["plan_name"]);
        Assert.Equal("Flat 2", (string?)properties["Apartment"]);
        Assert.Equal(["vip", "early"], properties["Tags"]!.AsArray().Select(n => (string)n!));
        Assert.Equal("2026-01-02T03:04:05+00:00", (string?)properties["SignedUpAt"]);
    }

    [Fact]
    public void NotMapped_members_are_never_sent_and_ClearWhenNull_sends_an_explicit_null()
    {
        var attributes = MapProfile(Sample());
        Assert.DoesNotContain("secret-hash", attributes.ToJsonString());
        Assert.False(attributes["properties"]!.AsObject().ContainsKey("PasswordHash"));
        Assert.True(attributes["properties"]!.AsObject().ContainsKey("Nickname"));
        Assert.Null(attributes["properties"]!["Nickname"]);
    }

    [Fact]
    public void Null_members_are_omitted_so_Klaviyo_keeps_the_current_value()
    {
        var attributes = MapProfile(new Customer("bo@example.com", null, null, null, null, null, null, null, null, 0, Tier.Bronze, null, null));
        Assert.False(attributes.ContainsKey("first_name"));
        Assert.False(attributes.ContainsKey("location"));
        Assert.False(attributes.ContainsKey("phone_number"));
        Assert.False(attributes["properties"]!.AsObject().ContainsKey("Tags"));
    }

    [Fact]
    public void Trait_attribute_uses_the_tables_and_trims_the_mParticle_dollar()
    {
        var attributes = MapProfile(new TraitProfile
        {
            Given = "Grace", Family = "Hopper", Province = "VA", Custom = "x", Mail = "grace@example.com", LastIp = "203.0.113.9",
            Company = new Employer("Navy", 5000), Extra = new JsonObject { ["score"] = 7 },
        });
        Assert.Equal("Grace", Json.Str(attributes, "first_name"));
        Assert.Equal("VA", Json.Str(attributes, "location.region"));
        Assert.Equal("Hopper", Json.Str(attributes, "last_name"));
        Assert.Equal("x", Json.Str(attributes, "properties.custom_attribute"));
        Assert.Equal("grace@example.com", Json.Str(attributes, "email"));
        Assert.Equal("203.0.113.9", Json.Str(attributes, "location.ip"));
        Assert.Equal("Navy", Json.Str(attributes, "organization"));
        Assert.Equal("7", Json.Str(attributes, "properties.Extra.score"));
    }

    [Fact]
    public void Event_model_writes_properties_and_fills_event_fields()
    {
        Assert.True(KlaviyoMapperRegistry.TryGetEventMapper<OrderCompleted>(out var mapper));
        Assert.Equal("Order Completed", mapper.EventName);
        var buffer = new ArrayBufferWriter<byte>();
        using var json = new Utf8JsonWriter(buffer);
        var writer = new EventWriter();
        writer.Start(json);
        mapper.Map(new OrderCompleted("o-1", 25.5m, "usd", [new Product("p1", "sku-1", "Uno", 3m, 2, "https://p/1", null)],
            EventId: "evt-9", OccurredAt: new DateTimeOffset(2026, 5, 6, 7, 8, 9, 123, TimeSpan.Zero), GiftWrap: true), writer);
        writer.Finish();
        json.Flush();
        var properties = JsonNode.Parse(buffer.WrittenSpan)!.AsObject();

        Assert.Equal(25.5, writer.Value);
        Assert.Equal("USD", writer.Currency);
        Assert.Equal("evt-9", writer.UniqueId);
        Assert.Equal(new DateTimeOffset(2026, 5, 6, 7, 8, 9, 123, TimeSpan.Zero), writer.Time);
        Assert.Equal("o-1", (string?)properties["orderId"]);
        Assert.Equal(25.5m, properties["revenue"]!.GetValue<decimal>());
        Assert.Equal("p1", (string?)properties["products"]![0]!["productId"]);
        Assert.Equal("https://p/1", (string?)properties["products"]![0]!["productUrl"]);
        Assert.False(properties["products"]![0]!.AsObject().ContainsKey("imageUrl"));
        Assert.True(properties["GiftWrap"]!.GetValue<bool>());
        Assert.False(properties.ContainsKey("EventId"));
    }
}
