using System.Collections.Concurrent;
using System.Numerics;
using System.Text.Json.Nodes;
using Klaviyo.Destinations.ModelShapes;
using Klaviyo.Emulator;

namespace Klaviyo.Destinations.Tests.EndToEnd;

/// <summary>
/// Every model shape of issue 23 (declared one file each in the Klaviyo.Destinations.ModelShapes library, which builds
/// with the generator and the analyzers, warnings as errors, camelCase naming) sent through the client to the loopback
/// emulator; the assertions read what Klaviyo stored.
/// </summary>
public sealed class ModelShapeEndToEndTests : IAsyncLifetime
{
    private KlaviyoEmulator _klaviyo = null!;
    private readonly ConcurrentQueue<DeliveryOutcome> _outcomes = new();

    public async Task InitializeAsync() => _klaviyo = await KlaviyoEmulator.StartAsync(new KlaviyoEmulatorOptions { Port = 0 });

    public async Task DisposeAsync() => await _klaviyo.DisposeAsync();

    private async Task SendAsync(Action<Analytics> send)
    {
        await using (var analytics = new Analytics(new KlaviyoDestinationOptions
        {
            QueueStorage = QueueStorage.Memory,
            ApiKey = "pk_shapes_secret",
            BaseUrl = _klaviyo.BaseAddress,
            OnOutcome = o => _outcomes.Enqueue(o),
        }))
        {
            send(analytics);
            await analytics.FlushAsync();
        }
        Assert.Empty(_klaviyo.State.RejectedRequests);
    }

    private EmulatedProfile Profile(string identifier) =>
        _klaviyo.State.FindProfile(identifier) ?? throw new Xunit.Sdk.XunitException($"no profile '{identifier}' in the emulator");

    private void AssertAllDelivered() =>
        Assert.All(_outcomes, o => Assert.True(o.Status == DeliveryStatus.Delivered, $"{o.Kind} {o.Status}: {o.Reason}"));

    [Fact]
    public async Task A_nested_and_a_top_level_type_with_once_colliding_mapper_names_both_deliver()
    {
        await SendAsync(a =>
        {
            a.Identify("u-nested", new Outer.Customer("nested@example.com", "nested"));
            a.Identify("u-top", new Outer_Customer("top@example.com", "top"));
        });

        AssertAllDelivered();
        Assert.Equal("nested", (string?)Profile("nested@example.com").Properties["source"]);
        Assert.Equal("top", (string?)Profile("top@example.com").Properties["source"]);
    }

    [Fact]
    public async Task A_model_is_mapped_by_its_runtime_type_whatever_the_static_type()
    {
        await SendAsync(a =>
        {
            a.Identify<Person>("u-base", new Shopper { Email = "as-base@example.com", FirstName = "Ada", LastName = "Lovelace" });
            a.Identify<object>("u-object", new Shopper { Email = "as-object@example.com", FirstName = "Grace", LastName = "Hopper" });
            a.Identify<object>("u-visitor", new Visitor { Email = "visitor@example.com", FirstName = "Vera" });
            a.Identify<Person>("u-guest", new Guest { Email = "guest@example.com", FirstName = "Gus", Nickname = "g" });
        });

        AssertAllDelivered();
        Assert.Equal("Lovelace", (string?)Profile("as-base@example.com").Attributes["last_name"]);
        Assert.Equal("Hopper", (string?)Profile("as-object@example.com").Attributes["last_name"]);
        // An unannotated subclass goes through its nearest annotated base's mapper (KLV2010 warns about Guest.Nickname).
        Assert.Equal("Vera", (string?)Profile("visitor@example.com").Attributes["first_name"]);
        var guest = Profile("guest@example.com");
        Assert.Equal("Gus", (string?)guest.Attributes["first_name"]);
        Assert.False(guest.Properties.ContainsKey("Nickname") || guest.Properties.ContainsKey("nickname"));
    }

    [Fact]
    public async Task A_type_without_a_mapper_is_rejected_naming_what_is_missing()
    {
        await SendAsync(a => a.Identify<object>("u-plain", new PlainCustomer { Email = "plain@example.com" }));

        var outcome = Assert.Single(_outcomes);
        Assert.Equal(DeliveryStatus.Rejected, outcome.Status);
        Assert.Contains("PlainCustomer (passed as Object) has no Klaviyo mapper: neither it nor a base type is [KlaviyoProfile] or [KlaviyoEvent]", outcome.Reason, StringComparison.Ordinal);
        Assert.Null(_klaviyo.State.FindProfile("plain@example.com"));
    }

    [Fact]
    public async Task JsonIgnore_is_never_sent_and_JsonPropertyName_names_or_maps_the_member()
    {
        await SendAsync(a => a.Identify("u-json", new ApiUser
        {
            Email = "json@example.com", Given = "Ada", Colour = "teal", PasswordHash = "secret-hash", SupportPin = "1234",
        }));

        AssertAllDelivered();
        var profile = Profile("json@example.com");
        Assert.Equal("Ada", (string?)profile.Attributes["first_name"]);
        Assert.Equal("teal", (string?)profile.Properties["favourite_colour"]);
        Assert.Equal("1234", (string?)profile.Properties["support_pin"]);
        Assert.DoesNotContain("secret-hash", profile.Properties.ToJsonString() + profile.Attributes.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Typed_dictionaries_arrive_as_objects_from_a_model_and_from_a_dictionary()
    {
        await SendAsync(a =>
        {
            a.Identify("u-dict1", new Gamer("gamer@example.com", new Dictionary<string, int> { ["level1"] = 3, ["Level2"] = 5 },
                new Dictionary<string, string> { ["team"] = "red" }));
            a.Identify("u-dict2", new Dictionary<string, object?>
            {
                ["email"] = "gamer2@example.com",
                ["scores"] = new Dictionary<string, int> { ["level1"] = 4 },
                ["labels"] = new SortedDictionary<string, string> { ["team"] = "blue" },
            });
        });

        AssertAllDelivered();
        var typed = Profile("gamer@example.com").Properties;
        Assert.Equal(3, (int)typed["scores"]!["level1"]!);
        Assert.Equal(5, (int)typed["scores"]!["Level2"]!);   // keys are data: the naming policy leaves them alone
        Assert.Equal("red", (string?)typed["labels"]!["team"]);
        var dictionary = Profile("gamer2@example.com").Properties;
        Assert.Equal(4, (int)dictionary["scores"]!["level1"]!);
        Assert.Equal("blue", (string?)dictionary["labels"]!["team"]);
    }

    [Fact]
    public async Task Big_numbers_half_and_times_arrive_as_numbers_or_iso_strings_from_a_model_and_from_a_dictionary()
    {
        var big = BigInteger.Pow(2, 70);
        await SendAsync(a =>
        {
            a.Identify("u-num1", new Account("numbers@example.com", big, 42, (Int128)9_007_199_254_740_992, (Half)0.5, new TimeOnly(9, 30), new TimeSpan(1, 2, 0, 0)));
            a.Identify("u-num2", new Dictionary<string, object?>
            {
                ["email"] = "numbers2@example.com", ["balance"] = big, ["counter"] = (Int128)7, ["ratio"] = (Half)0.25,
                ["opensAt"] = new TimeOnly(18, 0, 5), ["tenure"] = TimeSpan.FromMinutes(90),
            });
        });

        AssertAllDelivered();
        var typed = Profile("numbers@example.com").Properties;
        Assert.Equal("1180591620717411303424", (string?)typed["balance"]);   // beyond 2^53: digits, exactly
        Assert.Equal(42, (long)typed["small"]!);
        Assert.Equal(9_007_199_254_740_992, (long)typed["counter"]!);          // 2^53 itself is still a number
        Assert.Equal(0.5, (double)typed["ratio"]!);
        Assert.Equal("09:30:00", (string?)typed["opensAt"]);
        Assert.Equal("P1DT2H", (string?)typed["tenure"]);
        var dictionary = Profile("numbers2@example.com").Properties;
        Assert.Equal("1180591620717411303424", (string?)dictionary["balance"]);
        Assert.Equal(7, (long)dictionary["counter"]!);
        Assert.Equal(0.25, (double)dictionary["ratio"]!);
        Assert.Equal("18:00:05", (string?)dictionary["opensAt"]);
        Assert.Equal("PT1H30M", (string?)dictionary["tenure"]);
    }

    [Fact]
    public async Task The_assembly_naming_policy_spells_every_name_alike_at_every_depth()
    {
        await SendAsync(a =>
        {
            a.Identify("u-naming", new LoyalCustomer("loyal@example.com", 7));
            a.Track("u-naming", new CartUpdated("cart-1", 1, [new CartLine("k1", 2, "wrap it")]));
        });

        AssertAllDelivered();
        var profile = Profile("loyal@example.com");
        Assert.Equal(7, (int)profile.Properties["loyaltyPoints"]!);
        var cart = Assert.Single(_klaviyo.State.EventsOf(profile.Id), e => e.MetricName == "Cart Updated");
        Assert.Equal("cart-1", (string?)cart.Properties["cartId"]);
        Assert.Equal(1, (int)cart.Properties["itemCount"]!);
        Assert.Equal("""{"sku":"k1","qty":2,"giftNote":"wrap it"}""", cart.Properties["lines"]![0]!.ToJsonString());
    }

    [Fact]
    public async Task Value_Timestamp_and_a_products_Url_follow_the_table_conventions()
    {
        var when = new DateTime(2026, 3, 1, 12, 0, 0, DateTimeKind.Utc);
        await SendAsync(a => a.Track("u-order", new CheckoutDone("order-9", 42.5m, "EUR", when, "Ada",
            [new OrderLine("p-1", "Uno", 3m, 1, "https://shop.example/p-1")])));

        AssertAllDelivered();
        var events = _klaviyo.State.EventsOf(Profile("u-order").Id);
        var placed = Assert.Single(events, e => e.MetricName == "Placed Order");
        Assert.Equal(42.5, placed.Value);
        Assert.Equal("EUR", placed.ValueCurrency);
        Assert.Equal(new DateTimeOffset(when), placed.Time);
        Assert.Equal("Ada", (string?)placed.Properties["firstName"]);   // an event's trait-like member is just a property
        var product = Assert.Single(events, e => e.MetricName == "Ordered Product");
        Assert.Equal("https://shop.example/p-1", (string?)product.Properties["Product URL"]);
    }

    [Fact]
    public async Task A_self_referencing_member_is_left_out_with_a_warning_and_the_rest_is_sent()
    {
        var first = new Node { Label = "a" };
        first.Next = new Node { Label = "b", Next = first };
        await SendAsync(a => a.Identify("u-cycle", new Referral { Email = "cycle@example.com", Campaign = "spring", Chain = first }));

        var outcome = Assert.Single(_outcomes);
        Assert.Equal(DeliveryStatus.Delivered, outcome.Status);
        var warning = Assert.Single(outcome.Warnings);
        Assert.Equal("chain", warning.Field);
        Assert.Contains("nested deeper than Klaviyo's limit of 10 levels", warning.Reason, StringComparison.Ordinal);
        var profile = Profile("cycle@example.com");
        Assert.Equal("spring", (string?)profile.Properties["campaign"]);
        Assert.False(profile.Properties.ContainsKey("chain"));
    }

    [Fact]
    public async Task The_calls_userId_names_the_person_and_a_different_model_ExternalId_is_reported()
    {
        await SendAsync(a =>
        {
            a.Identify("user-1", new CrmContact("crm@example.com", "crm-9"));
            a.Track("user-1", "Viewed Page");
            a.Identify(null, new CrmContact("crm2@example.com", "crm-10"));
        });

        AssertAllDelivered();
        var profile = Profile("crm@example.com");
        Assert.Equal("user-1", profile.ExternalId);
        Assert.Single(_klaviyo.State.EventsOf(profile.Id), e => e.MetricName == "Viewed Page");   // one person, one profile
        Assert.Null(_klaviyo.State.FindProfile("crm-9"));
        var warning = Assert.Single(_outcomes.Where(o => o.Kind == ItemKind.Profile).SelectMany(o => o.Warnings));
        Assert.Equal("external_id", warning.Field);
        Assert.Contains("'crm-9'", warning.Reason, StringComparison.Ordinal);
        Assert.Equal("crm-10", Profile("crm2@example.com").ExternalId);   // without a userId the model's value is the person
    }

    /// <summary>An unannotated subclass (declared here, in an assembly without the analyzers) of an annotated base.</summary>
    private sealed class Guest : Person
    {
        public string? Nickname { get; set; }
    }

    private sealed class PlainCustomer
    {
        public string? Email { get; set; }
    }
}
