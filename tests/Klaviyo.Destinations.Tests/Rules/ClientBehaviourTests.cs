using Klaviyo.Destinations.Tests.Support;

namespace Klaviyo.Destinations.Tests.Rules;

/// <summary>The delivery contract seen from the caller: no exceptions for bad data, per-message outcomes, flush, plugins.</summary>
public sealed class ClientBehaviourTests
{
    private sealed class Unannotated(string name)
    {
        public string Name { get; } = name;
    }

    [Fact]
    public async Task Bad_values_are_left_out_or_rejected_with_reasons_and_never_throw()
    {
        await using var h = new Harness();
        h.Analytics.Track("u", "Weird", new Dictionary<string, object?>
        {
            ["nan"] = double.NaN, ["inf"] = double.PositiveInfinity, ["surrogate"] = "bad\uD800text", ["ok"] = 1,
            ["deep"] = Nest(12), ["object"] = new Unannotated("x"),
        });
        h.Analytics.Identify("u", new Unannotated("typed but not annotated"));
        await h.FlushAsync();

        var evt = h.Sender.Events().Single();
        Assert.Equal(["ok"], evt["properties"]!.AsObject().Select(p => p.Key));
        var delivered = h.Outcomes.Single(o => o.Status == DeliveryStatus.Delivered);
        Assert.Equal(["nan", "inf", "surrogate", "deep", "object"], delivered.Warnings.Select(w => w.Field));
        var rejected = Assert.Single(h.Rejected());
        Assert.Contains("[KlaviyoProfile]", rejected.Reason);
    }

    [Fact]
    public async Task Oversize_profiles_and_events_are_rejected_up_front_with_Klaviyos_limit_in_the_reason()
    {
        await using var h = new Harness();
        var chunk = new string('x', 60_000);
        h.Analytics.Identify("u", new Dictionary<string, object?> { ["email"] = "big@example.com", ["a"] = chunk, ["b"] = chunk });
        h.Analytics.Track("u", "Huge", Enumerable.Range(0, 90).ToDictionary(i => "p" + i, i => (object?)chunk));
        h.Analytics.Track("u", "Fine");
        await h.FlushAsync();
        var rejected = h.Rejected();
        Assert.Equal(2, rejected.Count);
        Assert.Contains(rejected, r => r.Kind == ItemKind.Profile && r.Reason!.Contains("100 KB"));
        Assert.Contains(rejected, r => r.Kind == ItemKind.Event && r.Reason!.Contains("5 MB"));
        Assert.Equal("Fine", CapturingSender.Metric(h.Sender.Events().Single()));
    }

    private static Dictionary<string, object?> Nest(int depth) =>
        depth == 0 ? new() { ["leaf"] = 1 } : new() { ["n"] = Nest(depth - 1) };

    [Fact]
    public async Task Klaviyo_4xx_is_reported_per_event_with_its_detail_and_not_retried()
    {
        await using var h = new Harness();
        h.Sender.Script = (item, _) => item.Metric == "Bad"
            ? new SendResult(SendStatus.Rejected, 400, "Klaviyo answered 400: 'foo' is not a valid field", "/data/attributes/foo")
            : new SendResult(SendStatus.Delivered, 202);
        h.Analytics.Track("u", "Bad");
        h.Analytics.Track("u", "Good");
        await h.FlushAsync();
        var rejected = Assert.Single(h.Rejected());
        Assert.Equal("/data/attributes/foo", rejected.Field);
        Assert.Equal(1, h.Sender.Requests.Count(r => r.Item.Metric == "Bad"));
        Assert.Single(h.Outcomes, o => o.Status == DeliveryStatus.Delivered);
    }

    [Fact]
    public async Task Retryable_answers_are_retried_until_delivered_and_expire_after_MaxAttempts()
    {
        await using var h = new Harness(o => o.MaxAttempts = 3);
        // "Down" fails on its own (408): three 5xx in a row from every request would be an outage, which pauses delivery instead.
        h.Sender.Script = (item, attempt) => item.Metric == "Flaky" && attempt < 3
            ? new SendResult(SendStatus.Retry, 503, "Klaviyo answered 503")
            : item.Metric == "Down" ? new SendResult(SendStatus.Retry, 408, "Klaviyo answered 408")
            : new SendResult(SendStatus.Delivered, 202);
        h.Analytics.Track("u", "Flaky");
        h.Analytics.Track("u", "Down");
        await h.FlushAsync();
        Assert.Equal(3, h.Sender.Requests.Count(r => r.Item.Metric == "Flaky"));
        var expired = h.Outcomes.Single(o => o.Status == DeliveryStatus.Expired);
        Assert.Contains("3 attempts", expired.Reason);
        Assert.Equal(DeliveryStatus.Delivered, h.Outcomes.Single(o => o.UniqueId == h.Sender.Requests.First(r => r.Item.Metric == "Flaky").Item.UniqueId).Status);
    }

    [Fact]
    public async Task Flush_returns_only_when_every_earlier_message_has_an_outcome()
    {
        await using var h = new Harness();
        for (var i = 0; i < 200; i++) h.Analytics.Track($"user-{i % 7}", "Tick", new Dictionary<string, object?> { ["i"] = i });
        await h.FlushAsync();
        Assert.Equal(200, h.Outcomes.Count(o => o.Status == DeliveryStatus.Delivered));
    }

    [Fact]
    public async Task One_client_is_safe_to_call_from_many_threads_at_once()
    {
        await using var h = new Harness();
        var threads = Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 500; i++)
            {
                if (i % 10 == 0) h.Analytics.Identify($"user-{t}", new Dictionary<string, object?> { ["email"] = $"t{t}@example.com", ["i"] = i });
                else h.Analytics.Track($"user-{t}", "Tick", new Dictionary<string, object?> { ["i"] = i }, new MessageOptions { MessageId = $"{t}-{i}" });
            }
        })).ToArray();
        await Task.WhenAll(threads);
        await h.FlushAsync();

        Assert.Equal(4000, h.Outcomes.Count(o => o.Status == DeliveryStatus.Delivered));
        Assert.Equal(3600, h.Sender.Events().Select(e => Json.Str(e, "unique_id")).Distinct().Count());
        foreach (var t in Enumerable.Range(0, 8))
        {
            var order = h.Sender.Requests.Where(r => r.Item.UserId == $"user-{t}" && r.Item.Kind == ItemKind.Event)
                .Select(r => int.Parse(r.Item.UniqueId!.Split('-')[1])).ToList();
            Assert.Equal(order.Order(), order);
        }
    }

    [Fact]
    public async Task A_throwing_outcome_callback_does_not_break_delivery()
    {
        var delivered = 0;
        await using var analytics = new Analytics(new KlaviyoDestinationOptions
        {
            QueueStorage = QueueStorage.Memory,
            ApiKey = "pk_x",
            OnOutcome = _ => { Interlocked.Increment(ref delivered); throw new InvalidOperationException("user bug"); },
        }, sender: new CapturingSender());
        analytics.Track("u", "One");
        analytics.Track("u", "Two");
        await analytics.FlushAsync();
        Assert.Equal(2, delivered);
    }

    private sealed class Plugin(PluginType type, Func<AnalyticsMessage, AnalyticsMessage?> run) : IAnalyticsPlugin
    {
        public PluginType Type => type;
        public AnalyticsMessage? Execute(AnalyticsMessage message) => run(message);
    }

    [Fact]
    public async Task Plugins_run_in_timeline_order_and_can_enrich_or_drop_messages()
    {
        await using var h = new Harness();
        var order = new List<string>();
        h.Analytics.Add(new Plugin(PluginType.After, m => { order.Add("after"); return m; }));
        h.Analytics.Add(new Plugin(PluginType.Enrichment, m => { order.Add("enrich"); m.UserId ??= "enriched-user"; return m; }));
        h.Analytics.Add(new Plugin(PluginType.Before, m => { order.Add("before"); return m.Name == "Drop me" ? null : m; }));
        h.Analytics.Track(null, "Keep me");
        h.Analytics.Track(null, "Drop me");
        await h.FlushAsync();
        Assert.Equal(["before", "enrich", "after", "before"], order);
        var evt = h.Sender.Events().Single();
        Assert.Equal("enriched-user", Json.Str(CapturingSender.EventProfile(evt), "external_id"));
    }

    [Fact]
    public void The_API_key_never_appears_in_ToString_or_configuration_errors()
    {
        var options = new KlaviyoDestinationOptions { ApiKey = "pk_live_supersecret0123456789", BaseUrl = new Uri("http://klaviyo.example.com") };
        Assert.DoesNotContain("supersecret", options.ToString());
        var error = Assert.Throws<KlaviyoConfigurationException>(options.Validate);
        Assert.DoesNotContain("supersecret", error.Message);
        Assert.Contains("https", error.Message);
    }

    [Theory]
    [InlineData(null, "https://a.klaviyo.com", "ApiKey is not set")]
    [InlineData("pk_x", "http://example.com", "is not HTTPS")]
    [InlineData("pk x", "https://a.klaviyo.com", "white space")]
    public void Misconfiguration_fails_fast_with_a_fix(string? key, string url, string expected)
    {
        var options = new KlaviyoDestinationOptions { ApiKey = key, BaseUrl = new Uri(url) };
        var error = Assert.Throws<KlaviyoConfigurationException>(() => new Analytics(options, sender: new CapturingSender()));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public async Task Plain_http_is_allowed_on_loopback_for_the_emulator()
    {
        await using var analytics = new Analytics(new KlaviyoDestinationOptions { QueueStorage = QueueStorage.Memory, ApiKey = "pk_x", BaseUrl = new Uri("http://127.0.0.1:5080") }, sender: new CapturingSender());
        Assert.NotNull(analytics.Destination);
    }

    [Fact]
    public async Task A_disabled_integration_skips_the_call()
    {
        await using var h = new Harness();
        h.Analytics.Track("u", "Ignored", null, new MessageOptions { Integrations = new Integrations { Klaviyo = new KlaviyoIntegrationOptions { Enabled = false } } });
        await h.FlushAsync();
        Assert.Empty(h.Sender.Requests);
        Assert.Equal(DeliveryStatus.Skipped, h.Outcomes.Single().Status);
    }
}
