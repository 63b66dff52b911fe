using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Klaviyo.Destinations.AspNetCore;
using Klaviyo.Destinations.MParticle;
using Klaviyo.Emulator;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Klaviyo.Destinations.Tests.Hosting;

/// <summary>
/// <c>MapMParticleBatches</c> in a real ASP.NET Core app (Kestrel on 127.0.0.1) receiving what mParticle's Webhook output
/// POSTs — event batches in mParticle's documented JSON — with the app's Analytics delivering into the emulator: the
/// Authorization header is checked, bad events are answered one by one while the others arrive, an unreadable body is
/// refused whole, the size limit and the environment setting hold.
/// </summary>
public sealed class MParticleEndpointTests : IAsyncLifetime
{
    private const string Secret = "Bearer mp-webhook-7d1f0c2a9b4e";
    private KlaviyoEmulator _klaviyo = null!;
    private WebApplication? _app;

    public async Task InitializeAsync() => _klaviyo = await KlaviyoEmulator.StartAsync(new KlaviyoEmulatorOptions { Port = 0, RateLimitsEnabled = false });

    public async Task DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync();
        await _klaviyo.DisposeAsync();
    }

    private async Task<HttpClient> StartAsync(Action<MParticleEndpointOptions>? configure = null, SignalingLoggerProvider? logs = null)
    {
        _app = TestWebApp.Build(b =>
        {
            b.Services.AddKlaviyoDestinations(o =>
            {
                o.ApiKey = "pk_mparticle_endpoint";
                o.BaseUrl = _klaviyo.BaseAddress;
                o.QueueStorage = QueueStorage.Memory;
                // The seed: every event sent to Klaviyo carries an email or a phone number.
                o.RequireEmailOrPhoneOnEvents = true;
            });
            b.Services.AddMParticleBatches();
        }, logs);
        _app.MapMParticleBatches("/mparticle", o =>
        {
            o.AuthorizationHeader = Secret;
            configure?.Invoke(o);
        });
        await _app.StartAsync();
        return TestWebApp.Client(_app);
    }

    private async Task FlushAsync() => await _app!.Services.GetRequiredService<Analytics>().FlushAsync().WaitAsync(TimeSpan.FromSeconds(60));

    private static async Task<(HttpStatusCode Status, JsonObject Body)> PostAsync(HttpClient client, string body, string? authorization = Secret)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/mparticle") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (authorization is not null) request.Headers.TryAddWithoutValidation("Authorization", authorization);
        using var response = await client.SendAsync(request);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject());
    }

    /// <summary>Two batches as a pretty-printed array (the shapes of mParticle's JSON reference).</summary>
    private const string TwoBatches = """
        [
          {
            "source_request_id": "wh-1",
            "environment": "production",
            "mpid": 7346244611012968789,
            "timestamp_unixtime_ms": 1767225600000,
            "user_identities": { "email": "ada@example.com", "customer_id": "c-1001", "mobile_number": "+14155550101" },
            "user_attributes": { "$FirstName": "Ada", "$City": "London", "plan": "pro" },
            "consent_state": { "gdpr": { "email_marketing": { "consented": true, "document": "terms-v2", "timestamp_unixtime_ms": 1767225600000 } } },
            "events": [
              { "event_type": "custom_event", "data": { "event_name": "Played Song", "custom_event_type": "media", "source_message_id": "wh-custom", "timestamp_unixtime_ms": 1767225601000, "custom_attributes": { "song": "Blue" } } },
              { "event_type": "screen_view", "data": { "screen_name": "Home", "source_message_id": "wh-screen", "timestamp_unixtime_ms": 1767225602000 } }
            ]
          },
          {
            "source_request_id": "wh-2",
            "environment": "production",
            "user_identities": { "email": "grace@example.com" },
            "events": [
              {
                "event_type": "commerce_event",
                "data": {
                  "source_message_id": "wh-purchase",
                  "timestamp_unixtime_ms": 1767225613000,
                  "currency_code": "USD",
                  "product_action": {
                    "action": "purchase", "transaction_id": "T-900", "total_amount": "54.00",
                    "products": [ { "id": "SKU-1", "name": "Lamp", "price": 25, "quantity": 2 }, { "id": "SKU-2", "name": "Bulb", "price": 4, "quantity": 1 } ]
                  }
                }
              }
            ]
          }
        ]
        """;

    [Fact]
    public async Task Authorized_batches_are_accepted_with_202_and_arrive_in_Klaviyo()
    {
        var client = await StartAsync();

        var (status, body) = await PostAsync(client, TwoBatches);

        Assert.True(status == HttpStatusCode.Accepted, body.ToJsonString());
        Assert.Empty(body["rejected"]!.AsArray());
        await FlushAsync();
        var ada = _klaviyo.State.Profiles.Single(p => p.Email == "ada@example.com");
        Assert.Equal("Ada", (string?)ada.Attributes["first_name"]);
        Assert.Equal("+14155550101", ada.PhoneNumber);
        Assert.Equal("SUBSCRIBED", ada.ConsentFor("email", "marketing"));
        var events = _klaviyo.State.Events;
        Assert.Contains(events, e => e.MetricName == "Played Song" && e.UniqueId == "wh-custom");
        Assert.Contains(events, e => e.MetricName == "Placed Order" && e.Value == 54);
        Assert.Equal(2, events.Count(e => e.MetricName == "Ordered Product"));
    }

    [Fact]
    public async Task A_wrong_or_missing_Authorization_header_gets_401_and_nothing_is_read_or_logged()
    {
        var logs = new SignalingLoggerProvider();
        var client = await StartAsync(logs: logs);

        var (wrong, wrongBody) = await PostAsync(client, TwoBatches, "Bearer mp-webhook-7d1f0c2a9b4f");
        var (missing, _) = await PostAsync(client, TwoBatches, authorization: null);
        var (basic, _) = await PostAsync(client, TwoBatches, "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("mparticle:secret")));

        Assert.Equal(HttpStatusCode.Unauthorized, wrong);
        Assert.Equal(HttpStatusCode.Unauthorized, missing);
        Assert.Equal(HttpStatusCode.Unauthorized, basic);
        Assert.DoesNotContain("mp-webhook", wrongBody.ToJsonString(), StringComparison.Ordinal);
        await FlushAsync();
        Assert.Empty(_klaviyo.State.Events);
        Assert.Empty(_klaviyo.State.Profiles);
        Assert.DoesNotContain(logs.Entries, m => m.Contains("mp-webhook", StringComparison.Ordinal));
        Assert.Contains(logs.Entries, m => m.Contains("401", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Bad_events_get_400_with_a_reason_each_and_the_rest_of_the_batch_arrives()
    {
        var client = await StartAsync();
        const string Batch = """
            {
              "source_request_id": "wh-3",
              "user_identities": { "customer_id": "c-77" },
              "events": [
                { "event_type": "custom_event", "data": { "event_name": "No Contact", "source_message_id": "wh-nocontact" } },
                { "event_type": "crash_report", "data": { "source_message_id": "wh-crash" } }
              ]
            }
            {
              "source_request_id": "wh-4",
              "user_identities": { "email": "linus@example.com" },
              "events": [
                { "event_type": "custom_event", "data": { "event_name": "Good One", "source_message_id": "wh-good" } },
                { "event_type": "commerce_event", "data": { "source_message_id": "wh-free", "product_action": { "action": "purchase", "products": [ { "id": "SKU-1", "price": "free" } ] } } }
              ]
            }
            """;

        var (status, body) = await PostAsync(client, Batch);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(1, (int)body["accepted"]!);
        var rejected = body["rejected"]!.AsArray().Select(r => ((long)r!["line"]!, (string)r["reason"]!)).ToList();
        Assert.Equal(3, rejected.Count);
        Assert.Contains(rejected, r => r.Item1 == 1 && r.Item2.Contains("No Contact", StringComparison.Ordinal) && r.Item2.Contains("RequireEmailOrPhoneOnEvents", StringComparison.Ordinal));
        Assert.Contains(rejected, r => r.Item1 == 1 && r.Item2.StartsWith("events[1]: event_type 'crash_report'", StringComparison.Ordinal));
        Assert.Contains(rejected, r => r.Item1 == 9 && r.Item2.Contains("events[1]", StringComparison.Ordinal) && r.Item2.Contains("price", StringComparison.Ordinal));
        await FlushAsync();
        Assert.Equal(["Good One"], _klaviyo.State.Events.Select(e => e.MetricName));
    }

    [Fact]
    public async Task A_body_that_is_not_readable_JSON_is_refused_whole_and_nothing_of_it_is_sent()
    {
        var client = await StartAsync();
        var truncated = TwoBatches[..(TwoBatches.IndexOf("\"wh-purchase\"", StringComparison.Ordinal))];

        var (status, body) = await PostAsync(client, truncated);
        var (notJson, notJsonBody) = await PostAsync(client, "{\"events\": [ {\"event_type\": } ] }");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("nothing of this request was sent", (string)body["error"]!, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, notJson);
        Assert.Contains("not valid JSON", (string)notJsonBody["error"]!, StringComparison.Ordinal);
        await FlushAsync();
        Assert.Empty(_klaviyo.State.Events);
        Assert.Empty(_klaviyo.State.Profiles);
    }

    [Fact]
    public async Task A_body_over_the_limit_gets_413_and_nothing_is_sent()
    {
        var client = await StartAsync(o => o.MaxRequestBodyBytes = 2048);
        var big = "[" + string.Join(",", Enumerable.Range(0, 40).Select(i =>
            $$$"""{"user_identities":{"email":"p{{{i}}}@example.com"},"events":[{"event_type":"custom_event","data":{"event_name":"Big","source_message_id":"big-{{{i}}}"}}]}""")) + "]";

        var (status, body) = await PostAsync(client, big);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Contains("MaxRequestBodyBytes", (string)body["error"]!, StringComparison.Ordinal);
        await FlushAsync();
        Assert.Empty(_klaviyo.State.Events);
    }

    [Fact]
    public async Task Development_batches_are_skipped_when_only_production_is_forwarded()
    {
        var client = await StartAsync(o => o.Environments = MParticleEnvironments.Production);
        const string Batches = """
            {"environment":"development","user_identities":{"email":"dev@example.com"},"events":[{"event_type":"custom_event","data":{"event_name":"Dev Event","source_message_id":"dev-1"}}]}
            {"environment":"production","user_identities":{"email":"prod@example.com"},"events":[{"event_type":"custom_event","data":{"event_name":"Prod Event","source_message_id":"prod-1"}}]}
            """;

        var (status, body) = await PostAsync(client, Batches);

        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.Equal(1, (int)body["accepted"]!);
        Assert.Equal(1, (int)body["skipped"]!);
        await FlushAsync();
        Assert.Equal(["Prod Event"], _klaviyo.State.Events.Select(e => e.MetricName));
    }

    [Fact]
    public async Task While_the_app_shuts_down_a_batch_gets_503_so_mParticle_sends_it_again()
    {
        var client = await StartAsync();
        await _app!.Services.GetRequiredService<Analytics>().DisposeAsync();

        var (status, body) = await PostAsync(client, TwoBatches);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal(0, (int)body["accepted"]!);
        Assert.Empty(_klaviyo.State.Events);
    }

    [Fact]
    public void Mapping_the_endpoint_without_an_Authorization_header_fails_at_startup_with_the_fix()
    {
        var app = TestWebApp.Build(b => b.Services.AddKlaviyoDestinations(o => o.ApiKey = "pk_mparticle_endpoint"));
        var error = Assert.Throws<KlaviyoConfigurationException>(() => app.MapMParticleBatches("/mparticle", _ => { }));
        Assert.Contains("Authorization Header", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("(set)", new MParticleEndpointOptions { AuthorizationHeader = Secret }.ToString().Replace("AuthorizationHeader = (set)", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain("mp-webhook", new MParticleEndpointOptions { AuthorizationHeader = Secret }.ToString(), StringComparison.Ordinal);
    }
}
