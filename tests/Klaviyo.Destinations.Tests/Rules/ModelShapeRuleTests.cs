using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Klaviyo.Destinations.ModelShapes;
using Klaviyo.Destinations.Tests.Support;

namespace Klaviyo.Destinations.Tests.Rules;

/// <summary>
/// The issue-23 rules about what is sent, over every payload shape: a typed model (the ModelShapes library), a
/// dictionary, a <see cref="JsonElement"/> and a <see cref="JsonObject"/>.
/// </summary>
public sealed class ModelShapeRuleTests
{
    public static TheoryData<string> Shapes { get; } = new() { "typed", "dictionary", "element", "node" };

    private static object Payload(string shape, string json, Func<object> typed) => shape switch
    {
        "typed" => typed(),
        "dictionary" => ToDictionary(JsonNode.Parse(json)!.AsObject()),
        "element" => JsonDocument.Parse(json).RootElement.Clone(),
        _ => JsonNode.Parse(json)!.AsObject(),
    };

    private static Dictionary<string, object?> ToDictionary(JsonObject node) => node.ToDictionary(p => p.Key, p => Plain(p.Value));

    private static object? Plain(JsonNode? node) => node switch
    {
        JsonObject o => ToDictionary(o),
        JsonArray a => a.Select(Plain).ToList(),
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v when v.TryGetValue<decimal>(out var d) => d,
        JsonValue v => v.GetValue<bool>(),
        _ => null,
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task Value_timestamp_and_a_products_url_fill_the_event_value_time_and_Product_URL(string shape)
    {
        await using var h = new Harness();
        var payload = Payload(shape,
            """{"orderId":"o-1","value":42.5,"currency":"EUR","timestamp":"2026-03-01T12:00:00Z","products":[{"productId":"p-1","name":"Uno","price":3,"quantity":1,"url":"https://shop.example/p-1"}]}""",
            () => new CheckoutDone("o-1", 42.5m, "EUR", new DateTime(2026, 3, 1, 12, 0, 0, DateTimeKind.Utc), null,
                [new OrderLine("p-1", "Uno", 3m, 1, "https://shop.example/p-1")]));
        h.Analytics.Track("u", "Order Completed", payload);
        await h.FlushAsync();

        var events = h.Sender.Events();
        Assert.Equal(["Placed Order", "Ordered Product"], events.Select(CapturingSender.Metric));
        Assert.Equal("42.5", Json.Str(events[0], "value"));
        Assert.Equal("2026-03-01T12:00:00.000+00:00", Json.Str(events[0], "time"));
        Assert.Equal("https://shop.example/p-1", (string?)events[1]["properties"]!["Product URL"]);
        Assert.False(Json.Has(events[1], "properties.url"));
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task The_calls_userId_wins_over_an_external_id_in_the_traits_and_the_difference_is_reported(string shape)
    {
        await using var h = new Harness();
        h.Analytics.Identify("user-1", Payload(shape, """{"email":"crm@example.com","external_id":"crm-9"}""", () => new CrmContact("crm@example.com", "crm-9")));
        await h.FlushAsync();

        Assert.Equal("user-1", Json.Str(h.Sender.Profiles().Single(), "external_id"));
        var warning = Assert.Single(h.Outcomes.Single().Warnings);
        Assert.Equal("external_id", warning.Field);
        Assert.Contains("external_id 'crm-9' in the traits differs from the call's 'user-1'", warning.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task A_matching_external_id_is_sent_without_a_warning(string shape)
    {
        await using var h = new Harness();
        h.Analytics.Identify("crm-9", Payload(shape, """{"email":"crm@example.com","external_id":"crm-9"}""", () => new CrmContact("crm@example.com", "crm-9")));
        await h.FlushAsync();

        Assert.Equal("crm-9", Json.Str(h.Sender.Profiles().Single(), "external_id"));
        Assert.Empty(h.Outcomes.Single().Warnings);
    }

    [Fact]
    public async Task A_too_deep_dictionary_value_is_left_out_with_a_warning_like_a_cyclic_model_member()
    {
        await using var h = new Harness();
        object deep = "bottom";
        for (var i = 0; i < 12; i++) deep = new Dictionary<string, object?> { ["next"] = deep };
        var first = new Node { Label = "a" };
        first.Next = first;
        h.Analytics.Identify("u-1", new Dictionary<string, object?> { ["email"] = "deep@example.com", ["chain"] = deep, ["campaign"] = "spring" });
        h.Analytics.Identify("u-2", new Referral { Email = "cycle@example.com", Campaign = "spring", Chain = first });
        await h.FlushAsync();

        var profiles = h.Sender.Profiles();
        Assert.Equal(2, profiles.Count);
        Assert.All(profiles, p => Assert.Equal("spring", Json.Str(p, "properties.campaign")));
        Assert.All(profiles, p => Assert.False(Json.Has(p, "properties.chain")));
        Assert.All(h.Outcomes, o => Assert.Equal(DeliveryStatus.Delivered, o.Status));
        Assert.All(h.Outcomes, o => Assert.Contains("nested deeper than Klaviyo's limit of 10 levels", Assert.Single(o.Warnings).Reason, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Big_integers_beyond_double_precision_are_digit_strings_and_small_ones_numbers_in_every_path()
    {
        await using var h = new Harness();
        var big = BigInteger.Parse("123456789012345678901234567890", System.Globalization.CultureInfo.InvariantCulture);
        h.Analytics.Identify("u-1", new Account("n1@example.com", big, -5, Int128.MaxValue, (Half)1.5, TimeOnly.MinValue, null));
        h.Analytics.Identify("u-2", new Dictionary<string, object?> { ["email"] = "n2@example.com", ["balance"] = big, ["small"] = (BigInteger)(-5), ["counter"] = UInt128.MaxValue });
        await h.FlushAsync();

        // Two people: their profiles may go out in either order.
        var profiles = h.Sender.Profiles();
        var (typed, dictionary) = (profiles.Single(p => Json.Str(p, "email") == "n1@example.com"), profiles.Single(p => Json.Str(p, "email") == "n2@example.com"));
        Assert.Equal("123456789012345678901234567890", (string?)typed["properties"]!["balance"]);
        Assert.Equal(-5, (long)typed["properties"]!["small"]!);
        Assert.Equal(Int128.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture), (string?)typed["properties"]!["counter"]);
        Assert.Equal(1.5, (double)typed["properties"]!["ratio"]!);
        Assert.Equal("00:00:00", (string?)typed["properties"]!["opensAt"]);
        Assert.False(Json.Has(typed, "properties.tenure"));
        Assert.Equal("123456789012345678901234567890", (string?)dictionary["properties"]!["balance"]);
        Assert.Equal(-5, (long)dictionary["properties"]!["small"]!);
        Assert.Equal(UInt128.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture), (string?)dictionary["properties"]!["counter"]);
    }
}
