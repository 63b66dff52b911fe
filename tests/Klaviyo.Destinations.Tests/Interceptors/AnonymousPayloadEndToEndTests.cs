using System.Collections.Concurrent;
using Klaviyo.Emulator;

namespace Klaviyo.Destinations.Tests.Interceptors;

/// <summary>
/// Anonymous-object payloads in this project are intercepted at compile time (this test project consumes the
/// generator like a user's project does) and delivered to the loopback Klaviyo emulator like annotated models.
/// </summary>
public sealed class AnonymousPayloadEndToEndTests : IAsyncLifetime
{
    private KlaviyoEmulator _klaviyo = null!;
    private readonly ConcurrentQueue<DeliveryOutcome> _outcomes = new();

    public async Task InitializeAsync() => _klaviyo = await KlaviyoEmulator.StartAsync(new KlaviyoEmulatorOptions { Port = 0 });

    public async Task DisposeAsync() => await _klaviyo.DisposeAsync();

    private Analytics Client() => new(new KlaviyoDestinationOptions
    {
        QueueStorage = QueueStorage.Memory,
        ApiKey = "pk_e2e_secret",
        BaseUrl = _klaviyo.BaseAddress,
        RetryBaseDelay = TimeSpan.FromMilliseconds(5),
        MaxRetryDelay = TimeSpan.FromMilliseconds(50),
        OnOutcome = o => _outcomes.Enqueue(o),
    });

    [Fact]
    public async Task Anonymous_identify_and_order_arrive_as_a_profile_and_ecommerce_events()
    {
        var items = new[]
        {
            new { ProductId = "p-1", Sku = "sku-1", Name = "Uno", Price = 3m, Quantity = 2 },
            new { ProductId = "p-2", Sku = "sku-2", Name = "Monopoly", Price = 19m, Quantity = 1 },
        };
        await using (var analytics = Client())
        {
            analytics.Identify("user-42", new { Email = "ada@example.com", FirstName = "Ada", Address = new { City = "London", Country = "GB" }, Age = 36 });
            analytics.Track("user-42", "Order Completed", new { OrderId = "order-1", Revenue = 25m, Currency = "USD", Products = items });
            analytics.Page("user-42", "Pricing", new { Referrer = "https://search.example" });
            Assert.True(await analytics.TrackAsync("user-42", "Signed Up", new { Plan = "pro", Seats = 3 }));
            await analytics.FlushAsync();
        }

        Assert.Empty(_klaviyo.State.RejectedRequests);
        Assert.NotEmpty(_outcomes);
        Assert.All(_outcomes, o => Assert.Equal(DeliveryStatus.Delivered, o.Status));

        var ada = _klaviyo.State.FindProfile("ada@example.com")!;
        Assert.Equal("user-42", ada.ExternalId);
        Assert.Equal("Ada", (string?)ada.Attributes["first_name"]);
        Assert.Equal("London", (string?)ada.Location["city"]);
        Assert.Equal(36, (int?)ada.Properties["Age"]);

        var events = _klaviyo.State.EventsOf(ada.Id);
        var placed = Assert.Single(events, e => e.MetricName == "Placed Order");
        Assert.Equal("order-1", placed.UniqueId);
        Assert.Equal(25, placed.Value);
        Assert.Equal(["order-1_p-1", "order-1_p-2"], events.Where(e => e.MetricName == "Ordered Product").Select(e => e.UniqueId).Order());
        Assert.Contains(events, e => e.MetricName == "Viewed Page" && (string?)e.Properties["Referrer"] == "https://search.example" && (string?)e.Properties["name"] == "Pricing");
        var signedUp = Assert.Single(events, e => e.MetricName == "Signed Up");
        Assert.Equal("pro", (string?)signedUp.Properties["Plan"]);
        Assert.Equal(3, (int?)signedUp.Properties["Seats"]);
    }

    [Fact]
    public async Task Null_members_of_an_anonymous_profile_are_left_out()
    {
        string? noName = null;
        await using (var analytics = Client())
        {
            analytics.Identify("user-9", new { Email = "bo@example.com", FirstName = noName });
            await analytics.FlushAsync();
        }
        Assert.All(_outcomes, o => Assert.Equal(DeliveryStatus.Delivered, o.Status));
        var bo = _klaviyo.State.FindProfile("bo@example.com")!;
        Assert.False(bo.Attributes.ContainsKey("first_name"));
    }

    /// <summary>
    /// KLV2011's fix: Group is dictionary-only (a typed or anonymous group payload does not compile). The group's
    /// <c>name</c> becomes the person's organization and the group id the property <c>group_id</c>.
    /// </summary>
    [Fact]
    public async Task Group_with_dictionary_traits_sets_the_organization_and_the_group_id()
    {
        await using (var analytics = Client())
        {
            analytics.Identify("user-7", new { Email = "cy@example.com", FirstName = "Cy" });
            analytics.Group("user-7", "acme", new Dictionary<string, object?> { ["name"] = "Acme Inc", ["industry"] = "Retail" });
            await analytics.FlushAsync();
        }
        Assert.Empty(_klaviyo.State.RejectedRequests);
        Assert.All(_outcomes, o => Assert.Equal(DeliveryStatus.Delivered, o.Status));
        var cy = _klaviyo.State.FindProfile("cy@example.com")!;
        Assert.Equal("Acme Inc", (string?)cy.Attributes["organization"]);
        Assert.Equal("acme", (string?)cy.Properties["group_id"]);
        Assert.False(cy.Properties.ContainsKey("industry"));
    }

    /// <summary>
    /// What KLV2002 says of an anonymous Identify with no identifier member and a null userId (this project runs the
    /// generator but not the analyzers): rejected at run time, while the same call with an Email member needs no userId.
    /// </summary>
    [Fact]
    public async Task An_anonymous_identify_that_names_no_one_is_rejected_and_one_with_an_email_needs_no_userId()
    {
        await using (var analytics = Client())
        {
            analytics.Identify(null, new { FirstName = "Nobody", City = "Nowhere" });
            analytics.Identify(null, new { Email = "dee@example.com", FirstName = "Dee" });
            await analytics.FlushAsync();
        }
        var rejected = Assert.Single(_outcomes, o => o.Status == DeliveryStatus.Rejected);
        Assert.Contains("no identifier", rejected.Reason, StringComparison.Ordinal);
        Assert.Single(_outcomes, o => o.Status == DeliveryStatus.Delivered);
        Assert.Equal("Dee", (string?)_klaviyo.State.FindProfile("dee@example.com")!.Attributes["first_name"]);
    }

    // The user's generic helpers: inside them the payload is a type parameter, where no interceptor sees its shape. The
    // generator registers a mapper for every anonymous shape passed to them (at the helper's call, any number of levels).
    private static void SendSignUp<T>(Analytics analytics, T properties) => analytics.Track("user-5", "Signed Up", properties);

    private static void SendOrder<T>(Analytics analytics, string userId, T order) => analytics.Track(userId, "Order Completed", order);

    private static void RelayOrder<TOrder>(Analytics analytics, string userId, TOrder order) => SendOrder(analytics, userId, order);

    private static void Remember<TTraits>(Analytics analytics, string userId, TTraits traits) => analytics.Identify(userId, traits);

    private static void RememberVia<TTraits>(Analytics analytics, string userId, TTraits traits) => Remember(analytics, userId, traits);

    private static void TrackUnnamed<T>(Analytics analytics, T properties) => analytics.Track("user-6", properties);

    /// <summary>
    /// An anonymous object passed through a generic helper (one level) or a helper that calls another (two levels) is
    /// mapped like the direct call: profile fields, the nested address, custom properties, and Order Completed with its
    /// products expanded into Placed Order and Ordered Product events. On the old generator each of these was rejected
    /// at run time ("has no Klaviyo mapper").
    /// </summary>
    [Fact]
    public async Task Anonymous_objects_through_one_and_two_level_generic_helpers_are_delivered()
    {
        await using (var analytics = Client())
        {
            Remember(analytics, "user-11", new { Email = "fay@example.com", FirstName = "Fay", Address = new { City = "Paris", Country = "FR" }, Age = 41 });
            RememberVia(analytics, "user-12", new { Email = "gus@example.com", LastName = "Gustafsson", Tier = "gold" });
            SendOrder(analytics, "user-11", new
            {
                OrderId = "order-h1",
                Revenue = 12m,
                Products = new[] { new { ProductId = "p-1", Sku = "sku-1", Price = 3m, Quantity = 2 }, new { ProductId = "p-2", Sku = "sku-2", Price = 6m, Quantity = 1 } },
            });
            RelayOrder(analytics, "user-12", new
            {
                OrderId = "order-h2",
                Revenue = 19m,
                Products = new[] { new { ProductId = "p-9", Price = 19m } }.ToList(),
                Channel = "web",
            });
            await analytics.FlushAsync();
        }

        Assert.Empty(_klaviyo.State.RejectedRequests);
        Assert.NotEmpty(_outcomes);
        Assert.All(_outcomes, o => Assert.True(o.Status == DeliveryStatus.Delivered, o.Reason));

        var fay = _klaviyo.State.FindProfile("fay@example.com")!;
        Assert.Equal("user-11", fay.ExternalId);
        Assert.Equal("Fay", (string?)fay.Attributes["first_name"]);
        Assert.Equal("Paris", (string?)fay.Location["city"]);
        Assert.Equal(41, (int?)fay.Properties["Age"]);
        var gus = _klaviyo.State.FindProfile("gus@example.com")!;
        Assert.Equal("user-12", gus.ExternalId);
        Assert.Equal("Gustafsson", (string?)gus.Attributes["last_name"]);
        Assert.Equal("gold", (string?)gus.Properties["Tier"]);

        var fayEvents = _klaviyo.State.EventsOf(fay.Id);
        var placed = Assert.Single(fayEvents, e => e.MetricName == "Placed Order");
        Assert.Equal("order-h1", placed.UniqueId);
        Assert.Equal(12, placed.Value);
        Assert.Equal(["order-h1_p-1", "order-h1_p-2"], fayEvents.Where(e => e.MetricName == "Ordered Product").Select(e => e.UniqueId).Order());
        var gusEvents = _klaviyo.State.EventsOf(gus.Id);
        var relayed = Assert.Single(gusEvents, e => e.MetricName == "Placed Order");
        Assert.Equal("order-h2", relayed.UniqueId);
        Assert.Equal(19, relayed.Value);
        Assert.Equal("web", (string?)relayed.Properties["Channel"]);
    }

    /// <summary>
    /// A helper passes an anonymous object, a dictionary, and the direct call: all three delivered. A helper that calls
    /// Track without an event name is what KLV2012 still reports: anonymous objects declare no event name, so it is
    /// rejected with that reason (not "no mapper").
    /// </summary>
    [Fact]
    public async Task A_generic_helper_delivers_anonymous_objects_like_the_direct_call_and_Track_without_a_name_is_rejected_for_that()
    {
        await using (var analytics = Client())
        {
            analytics.Identify("user-5", new { Email = "eve@example.com" });
            SendSignUp(analytics, new { Plan = "pro" });
            SendSignUp(analytics, new Dictionary<string, object?> { ["Plan"] = "team" });
            analytics.Track("user-5", "Signed Up", new { Plan = "enterprise" });
            TrackUnnamed(analytics, new { Plan = "free" });
            await analytics.FlushAsync();
        }
        var rejected = Assert.Single(_outcomes, o => o.Status == DeliveryStatus.Rejected);
        Assert.Contains("no name", rejected.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(_outcomes, o => o.Reason?.Contains("has no Klaviyo mapper", StringComparison.Ordinal) == true);
        var eve = _klaviyo.State.FindProfile("eve@example.com")!;
        Assert.Equal(["enterprise", "pro", "team"], _klaviyo.State.EventsOf(eve.Id).Where(e => e.MetricName == "Signed Up").Select(e => (string?)e.Properties["Plan"]).Order());
    }
}
