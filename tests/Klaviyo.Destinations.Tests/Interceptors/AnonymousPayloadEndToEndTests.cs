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

    private static void SendSignUp<T>(Analytics analytics, T properties) => analytics.Track("user-5", "Signed Up", properties);

    /// <summary>
    /// What KLV2012 says: an anonymous object passed through a generic helper reaches Track as a type parameter, where
    /// no interceptor sees it, and is rejected at run time; the same helper with a dictionary, or the direct call, delivers.
    /// </summary>
    [Fact]
    public async Task An_anonymous_object_through_a_generic_helper_is_rejected_and_the_direct_call_is_delivered()
    {
        await using (var analytics = Client())
        {
            analytics.Identify("user-5", new { Email = "eve@example.com" });
            SendSignUp(analytics, new { Plan = "pro" });
            SendSignUp(analytics, new Dictionary<string, object?> { ["Plan"] = "team" });
            analytics.Track("user-5", "Signed Up", new { Plan = "enterprise" });
            await analytics.FlushAsync();
        }
        var rejected = Assert.Single(_outcomes, o => o.Status == DeliveryStatus.Rejected);
        Assert.Contains("has no Klaviyo mapper", rejected.Reason, StringComparison.Ordinal);
        var eve = _klaviyo.State.FindProfile("eve@example.com")!;
        Assert.Equal(["enterprise", "team"], _klaviyo.State.EventsOf(eve.Id).Where(e => e.MetricName == "Signed Up").Select(e => (string?)e.Properties["Plan"]).Order());
    }
}
