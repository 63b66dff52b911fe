using Klaviyo.Destinations.Tests.Mapping;
using Klaviyo.Destinations.Tests.Support;

namespace Klaviyo.Destinations.Tests.Rules;

/// <summary>Track → Klaviyo event: metric, properties, unique_id, value, time, and the ecommerce vocabulary.</summary>
public sealed class TrackRuleTests
{
    private static Dictionary<string, object?> Props(params (string Key, object? Value)[] pairs) => pairs.ToDictionary(p => p.Key, p => p.Value);

    [Fact]
    public async Task Track_sends_metric_properties_and_the_messageId_as_unique_id()
    {
        await using var h = new Harness();
        h.Analytics.Track("user-1", "Item Added", Props(("price", 39.95), ("colour", "Red")),
            new MessageOptions { MessageId = "msg-1", Timestamp = new DateTimeOffset(2026, 3, 4, 5, 6, 7, 891, TimeSpan.Zero).AddTicks(4567) });
        await h.FlushAsync();
        var evt = h.Sender.Events().Single();
        Assert.Equal("Item Added", CapturingSender.Metric(evt));
        Assert.Equal("msg-1", Json.Str(evt, "unique_id"));
        Assert.Equal("2026-03-04T05:06:07.891+00:00", Json.Str(evt, "time"));
        Assert.Equal("Red", Json.Str(evt, "properties.colour"));
        Assert.Equal("user-1", Json.Str(CapturingSender.EventProfile(evt), "external_id"));
    }

    [Fact]
    public async Task Legacy_event_id_and_value_fill_unique_id_and_value_and_revenue_is_kept()
    {
        await using var h = new Harness();
        h.Analytics.Track("u", "Custom", Props(("$event_id", "e-1"), ("$value", 12.5)));
        h.Analytics.Track("u", "Upgraded", Props(("revenue", 99), ("currency", "eur")));
        await h.FlushAsync();
        var events = h.Sender.Events();
        Assert.Equal("e-1", Json.Str(events[0], "unique_id"));
        Assert.Equal("12.5", Json.Str(events[0], "value"));
        Assert.False(Json.Has(events[0], "properties.$event_id"));
        Assert.Equal("99", Json.Str(events[1], "value"));
        Assert.Equal("EUR", Json.Str(events[1], "value_currency"));
        Assert.Equal("99", Json.Str(events[1], "properties.revenue"));
    }

    [Fact]
    public async Task Order_Completed_becomes_Placed_Order_plus_one_Ordered_Product_per_product()
    {
        await using var h = new Harness();
        h.Analytics.Track("019mr8mf4r", "Order Completed", Props(
            ("orderId", "50314b8e9bcf000000000000"), ("total", 30), ("revenue", 25), ("currency", "USD"), ("coupon", "hasbros"),
            ("products", new List<object?>
            {
                Props(("id", "507f1f77bcf86cd799439011"), ("sku", "45790-32"), ("name", "Monopoly: 3rd Edition"), ("price", 19), ("quantity", 1),
                    ("productUrl", "http://www.example.com/path/to/product"), ("imageUrl", "http://www.example.com/path/to/product/image.png")),
                Props(("id", "505bd76785ebb509fc183733"), ("sku", "46493-32"), ("name", "Uno Card Game"), ("price", 3), ("quantity", 2)),
            })));
        await h.FlushAsync();
        var events = h.Sender.Events();
        Assert.Equal(["Placed Order", "Ordered Product", "Ordered Product"], events.Select(CapturingSender.Metric));
        Assert.Equal("50314b8e9bcf000000000000", Json.Str(events[0], "unique_id"));
        Assert.Equal("25", Json.Str(events[0], "value"));
        Assert.Equal("hasbros", Json.Str(events[0], "properties.coupon"));
        Assert.Equal("50314b8e9bcf000000000000_507f1f77bcf86cd799439011", Json.Str(events[1], "unique_id"));
        Assert.Equal("http://www.example.com/path/to/product", (string?)events[1]["properties"]!["Product URL"]);
        Assert.Equal("http://www.example.com/path/to/product/image.png", (string?)events[1]["properties"]!["Image URL"]);
        Assert.False(Json.Has(events[1], "properties.productUrl"));
        Assert.Equal("50314b8e9bcf000000000000_505bd76785ebb509fc183733", Json.Str(events[2], "unique_id"));
        Assert.Equal("6", Json.Str(events[2], "value"));
        Assert.Equal("Uno Card Game", Json.Str(events[2], "properties.name"));
    }

    [Fact]
    public async Task A_product_without_any_id_is_rejected_while_the_order_and_other_products_are_sent()
    {
        await using var h = new Harness();
        h.Analytics.Track("u", "Order Completed", Props(("orderId", "o-2"), ("products", new List<object?>
        {
            Props(("name", "Mystery box"), ("price", 5)),
            Props(("sku", "S-1"), ("price", 2)),
        })));
        await h.FlushAsync();
        Assert.Equal(["Placed Order", "Ordered Product"], h.Sender.Events().Select(CapturingSender.Metric));
        Assert.Equal("o-2_S-1", Json.Str(h.Sender.Events()[1], "unique_id"));
        var rejected = Assert.Single(h.Rejected());
        Assert.Equal("products[0]", rejected.Field);
        Assert.Contains("productId, id or sku", rejected.Reason);
    }

    [Fact]
    public async Task Keep_Order_Completed_name_setting_keeps_the_name()
    {
        await using var h = new Harness(o => o.KeepOrderCompletedName = true);
        h.Analytics.Track("u", "Order Completed", Props(("orderId", "o-3")));
        await h.FlushAsync();
        Assert.Equal("Order Completed", CapturingSender.Metric(h.Sender.Events().Single()));
    }

    [Theory]
    [InlineData("Product Viewed", "Viewed Product")]
    [InlineData("Product Added", "Added to Cart")]
    [InlineData("Checkout Started", "Started Checkout")]
    [InlineData("Order Fulfilled", "Fulfilled Order")]
    [InlineData("Order Cancelled", "Cancelled Order")]
    [InlineData("Order Refunded", "Refunded Order")]
    public async Task Ecommerce_events_get_Klaviyo_names_and_keep_every_property(string segmentName, string metric)
    {
        await using var h = new Harness();
        h.Analytics.Track("u", segmentName, Props(("product_id", "p-1"), ("name", "Lamp"), ("price", 10.5), ("brand", "Lumi"), ("custom_flag", true)));
        await h.FlushAsync();
        var evt = h.Sender.Events().Single();
        Assert.Equal(metric, CapturingSender.Metric(evt));
        Assert.Equal(5, evt["properties"]!.AsObject().Count);
        Assert.Equal("true", Json.Str(evt, "properties.custom_flag"));
    }

    [Fact]
    public async Task Typed_order_model_expands_like_the_dictionary()
    {
        await using var h = new Harness();
        h.Analytics.Track("u", new OrderCompleted("o-typed", 22m, "USD", [new Product("p1", null, "A", 10m, 2, null, "https://img/a"), new Product(null, "sku-b", "B", 2m, 1, null, null)]));
        await h.FlushAsync();
        var events = h.Sender.Events();
        Assert.Equal(["Placed Order", "Ordered Product", "Ordered Product"], events.Select(CapturingSender.Metric));
        Assert.Equal("o-typed", Json.Str(events[0], "unique_id"));
        Assert.Equal(["o-typed_p1", "o-typed_sku-b"], events.Skip(1).Select(e => Json.Str(e, "unique_id")));
        Assert.Equal("https://img/a", (string?)events[1]["properties"]!["Image URL"]);
        Assert.Equal("20", Json.Str(events[1], "value"));
    }

    [Fact]
    public async Task Page_and_screen_use_the_configured_names_and_carry_the_page_name()
    {
        await using var h = new Harness(o => o.ScreenEventName = "Screen View");
        h.Analytics.Page("u", "Pricing", Props(("url", "https://x/pricing")));
        h.Analytics.Screen("u", "Settings");
        await h.FlushAsync();
        var events = h.Sender.Events();
        Assert.Equal("Viewed Page", CapturingSender.Metric(events[0]));
        Assert.Equal("Pricing", Json.Str(events[0], "properties.name"));
        Assert.Equal("Screen View", CapturingSender.Metric(events[1]));
    }

    [Fact]
    public async Task Group_sets_the_organization_and_alias_is_skipped_with_a_reason()
    {
        await using var h = new Harness();
        h.Analytics.Group("u", "g-1", Props(("name", "Initech"), ("employees", 50)));
        h.Analytics.Alias("u", "old-id");
        await h.FlushAsync();
        var profile = h.Sender.Profiles().Single();
        Assert.Equal("Initech", Json.Str(profile, "organization"));
        Assert.Equal("g-1", Json.Str(profile, "properties.group_id"));
        Assert.Contains("no alias API", h.Outcomes.Single(o => o.Status == DeliveryStatus.Skipped).Reason);
    }

    [Fact]
    public async Task Computed_audiences_arrive_as_snake_case_boolean_properties()
    {
        await using var h = new Harness();
        h.Analytics.Identify("u", new Dictionary<string, object?> { ["email"] = "a@example.com" }, new MessageOptions
        {
            Audiences = new Dictionary<string, bool> { ["Order Completed Last 30 Days"] = true, ["highValueCustomers"] = false },
        });
        await h.FlushAsync();
        var profile = h.Sender.Profiles().Single();
        Assert.Equal("true", Json.Str(profile, "properties.order_completed_last_30_days"));
        Assert.Equal("false", Json.Str(profile, "properties.high_value_customers"));
    }

    [Fact]
    public async Task Event_names_Klaviyo_cannot_take_are_rejected()
    {
        await using var h = new Harness();
        h.Analytics.Track("u", new string('x', 128));
        h.Analytics.Track("u", " ");
        await h.FlushAsync();
        Assert.Equal(2, h.Rejected().Count);
        Assert.Empty(h.Sender.Events());
    }
}
