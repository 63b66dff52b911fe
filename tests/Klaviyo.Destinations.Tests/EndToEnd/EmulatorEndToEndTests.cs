using System.Collections.Concurrent;
using Klaviyo.Destinations.Tests.Mapping;
using Klaviyo.Destinations.Tests.Support;
using Klaviyo.Emulator;

namespace Klaviyo.Destinations.Tests.EndToEnd;

/// <summary>The client against the loopback Klaviyo emulator: real HTTP, the official schema, real rate tiers.</summary>
public sealed class EmulatorEndToEndTests : IAsyncLifetime
{
    private KlaviyoEmulator _klaviyo = null!;
    private readonly ConcurrentQueue<DeliveryOutcome> _outcomes = new();

    public async Task InitializeAsync() => _klaviyo = await KlaviyoEmulator.StartAsync(new KlaviyoEmulatorOptions { Port = 0 });

    public async Task DisposeAsync() => await _klaviyo.DisposeAsync();

    private Analytics Client(Action<KlaviyoDestinationOptions>? configure = null, TimeProvider? time = null)
    {
        var options = new KlaviyoDestinationOptions
        {
            QueueStorage = QueueStorage.Memory,
            ApiKey = "pk_e2e_secret",
            BaseUrl = _klaviyo.BaseAddress,
            RetryBaseDelay = TimeSpan.FromMilliseconds(5),
            MaxRetryDelay = TimeSpan.FromMilliseconds(50),
            OnOutcome = o => _outcomes.Enqueue(o),
        };
        configure?.Invoke(options);
        return new Analytics(options, timeProvider: time);
    }

    [Fact]
    public async Task Identify_track_and_an_order_arrive_in_Klaviyo_as_profiles_and_ecommerce_events()
    {
        await using (var analytics = Client())
        {
            analytics.Identify("user-42", new Customer("ada@example.com", "Ada", "Lovelace", "020 7183 8750", null, "Analytical Engines", null, "Europe/London",
                new PostalAddress("12 St James's Square", "London", null, "SW1Y 4JH", "GB"), 42, Tier.Gold, "pro", "hash"));
            analytics.Identify("user-7", new Dictionary<string, object?> { ["email"] = "grace@example.com", ["$firstname"] = "Grace", ["$custom_attribute"] = "navy" });
            analytics.Track("user-42", "Product Viewed", new Dictionary<string, object?> { ["product_id"] = "p-1", ["name"] = "Uno" });
            analytics.Track("user-42", new OrderCompleted("order-1", 25m, "USD",
                [new Product("p-1", "sku-1", "Uno", 3m, 2, "https://shop/p-1", null), new Product("p-2", null, "Monopoly", 19m, 1, null, "https://img/p-2")]));
            analytics.Page("user-7", "Pricing");
            await analytics.FlushAsync();
        }

        Assert.Empty(_klaviyo.State.RejectedRequests);
        Assert.All(_outcomes, o => Assert.Equal(DeliveryStatus.Delivered, o.Status));

        var ada = _klaviyo.State.FindProfile("ada@example.com")!;
        Assert.Equal("user-42", ada.ExternalId);
        Assert.Equal("+442071838750", ada.PhoneNumber);
        Assert.Equal("Ada", (string?)ada.Attributes["first_name"]);
        Assert.Equal("London", (string?)ada.Location["city"]);
        Assert.Equal("pro", (string?)ada.Properties["plan_name"]);
        Assert.False(ada.Properties.ContainsKey("PasswordHash"));

        var grace = _klaviyo.State.FindProfile("grace@example.com")!;
        Assert.Equal("Grace", (string?)grace.Attributes["first_name"]);
        Assert.Equal("navy", (string?)grace.Properties["custom_attribute"]);

        var adaEvents = _klaviyo.State.EventsOf(ada.Id);
        Assert.Equal(["Viewed Product", "Placed Order", "Ordered Product", "Ordered Product"], adaEvents.OrderBy(e => e.MetricName == "Ordered Product").ThenBy(e => e.MetricName != "Viewed Product").Select(e => e.MetricName));
        var placed = adaEvents.Single(e => e.MetricName == "Placed Order");
        Assert.Equal("order-1", placed.UniqueId);
        Assert.Equal(25, placed.Value);
        Assert.Equal(["order-1_p-1", "order-1_p-2"], adaEvents.Where(e => e.MetricName == "Ordered Product").Select(e => e.UniqueId).Order());
        Assert.Contains(adaEvents, e => (string?)e.Properties["Product URL"] == "https://shop/p-1");
        Assert.Single(_klaviyo.State.EventsOf(grace.Id), e => e.MetricName == "Viewed Page");
    }

    [Fact]
    public async Task Server_errors_are_retried_to_success_and_a_replayed_event_is_not_duplicated()
    {
        _klaviyo.FailNext(3, 503);
        await using (var analytics = Client())
        {
            analytics.Track("u-1", "Signed Up", new Dictionary<string, object?> { ["plan"] = "pro" }, new MessageOptions { MessageId = "m-1" });
            analytics.Track("u-1", "Signed Up", new Dictionary<string, object?> { ["plan"] = "pro" }, new MessageOptions { MessageId = "m-1" });
            await analytics.FlushAsync();
        }
        Assert.Equal(2, _outcomes.Count(o => o.Status == DeliveryStatus.Delivered));
        Assert.Single(_klaviyo.State.Events);
        Assert.Equal(3, _klaviyo.Counters.WithStatus(503));
    }

    [Fact]
    public async Task A_request_Klaviyo_rejects_is_reported_with_its_pointer_and_the_others_are_delivered()
    {
        // Our clock runs three years ahead of Klaviyo's, so the mapper's time check passes what Klaviyo refuses.
        await using (var analytics = Client(time: new ShiftedTimeProvider(TimeSpan.FromDays(3 * 365))))
        {
            analytics.Track("u-1", "From the future", null, new MessageOptions { Timestamp = DateTimeOffset.UtcNow.AddYears(3) });
            analytics.Track("u-1", "Now", null, new MessageOptions { Timestamp = DateTimeOffset.UtcNow });
            await analytics.FlushAsync();
        }
        var rejected = Assert.Single(_outcomes, o => o.Status == DeliveryStatus.Rejected);
        Assert.Contains("400", rejected.Reason);
        Assert.Equal("/data/attributes/time", rejected.Field);
        Assert.Single(_klaviyo.State.Events, e => e.MetricName == "Now");
        Assert.Equal(1, _klaviyo.Counters.WithStatus(400));
    }

    [Fact]
    public async Task A_wrong_key_pauses_delivery_instead_of_rejecting_and_the_key_is_not_in_the_reason()
    {
        await using var restricted = await KlaviyoEmulator.StartAsync(new KlaviyoEmulatorOptions { ValidApiKeys = new HashSet<string> { "pk_right" } });
        var outcomes = new ConcurrentQueue<DeliveryOutcome>();
        await using (var analytics = new Analytics(new KlaviyoDestinationOptions { QueueStorage = QueueStorage.Memory, ApiKey = "pk_wrong_secret_value", BaseUrl = restricted.BaseAddress, OnOutcome = outcomes.Enqueue }))
        {
            analytics.Identify("u", new Dictionary<string, object?> { ["email"] = "k@example.com" });
            await analytics.FlushAsync();   // returns once delivery is paused: the item is kept, not rejected
            Assert.Equal(DeliveryState.CredentialsRefused, analytics.Destination.State);
            Assert.Empty(outcomes);
        }
        // The in-memory queue cannot keep it past disposal: it expires, saying why delivery was paused.
        var outcome = Assert.Single(outcomes);
        Assert.Equal(DeliveryStatus.Expired, outcome.Status);
        Assert.Contains("401", outcome.Reason);
        Assert.DoesNotContain("pk_wrong_secret_value", outcome.Reason);
    }
}
