using System.Collections.Concurrent;
using System.Net;

namespace Klaviyo.Destinations.Tests.Integrity;

/// <summary>Answers Klaviyo would never send (absurd waits, an HTML 200) neither stop an endpoint nor count as delivery.</summary>
public sealed class HostileAnswerTests
{
    private static async Task<(List<DeliveryOutcome> Outcomes, JumpingTimeProvider Clock, ScriptedKlaviyo Klaviyo)> RunAsync(Func<int, HttpResponseMessage?> answer, int events = 3,
        Action<KlaviyoDestinationOptions>? configure = null)
    {
        var clock = new JumpingTimeProvider();
        var calls = 0;
        var klaviyo = new ScriptedKlaviyo { Script = (_, _) => answer(Interlocked.Increment(ref calls)) };
        var outcomes = new ConcurrentQueue<DeliveryOutcome>();
        var options = new KlaviyoDestinationOptions
        {
            ApiKey = "pk_hostile_test",
            BaseUrl = new Uri("http://127.0.0.1:9"),
            QueueStorage = QueueStorage.Memory,
            MaxAttempts = 5,
            OnOutcome = outcomes.Enqueue,
        };
        configure?.Invoke(options);
        using var http = new HttpClient(klaviyo);
        await using (var analytics = new Analytics(options, http, timeProvider: clock))
        {
            for (var i = 0; i < events; i++)
                analytics.Track($"user-{i}", "Viewed", new Dictionary<string, object?> { ["email"] = $"u{i}@example.com" });
            await analytics.FlushAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        }
        return ([.. outcomes], clock, klaviyo);
    }

    private static HttpResponseMessage Failure(HttpStatusCode status, string header, string value)
    {
        var response = ScriptedKlaviyo.Json(status, """{"errors":[{"status":503,"code":"error","title":"Unavailable.","detail":"Try later."}]}""");
        response.Headers.TryAddWithoutValidation(header, value);
        return response;
    }

    [Theory]
    [InlineData(429, "Retry-After", "99999999")]
    [InlineData(503, "Retry-After", "99351")]
    [InlineData(503, "X-Emulator-Retry-After-Ms", "NaN")]
    [InlineData(429, "X-Emulator-Retry-After-Ms", "1e308")]
    [InlineData(429, "X-Emulator-Retry-After-Ms", "-Infinity")]
    [InlineData(503, "Retry-After", "Fri, 31 Dec 9999 23:59:59 GMT")]
    public async Task An_absurd_wait_is_clamped_to_an_hour_and_the_items_are_delivered_once_it_is_over(int status, string header, string value)
    {
        var (outcomes, clock, _) = await RunAsync(call => call == 1 ? Failure((HttpStatusCode)status, header, value) : null);

        Assert.Equal(3, outcomes.Count(o => o.Status == DeliveryStatus.Delivered));
        Assert.All(clock.Waits, w => Assert.True(w <= TimeSpan.FromHours(1), $"waited {w}"));
        Assert.True(clock.GetUtcNow() - new DateTimeOffset(2026, 8, 3, 12, 0, 0, TimeSpan.Zero) <= TimeSpan.FromHours(1.5));
    }

    [Theory]
    [InlineData("text/html", "<html><body>Welcome to the hotel Wi-Fi</body></html>")]
    [InlineData("application/vnd.api+json", "{\"data\":")]
    [InlineData("application/json", "[1,2]")]
    public async Task A_2xx_that_is_not_Klaviyos_is_retried_and_reported_never_counted_as_delivered(string mediaType, string body)
    {
        // Every answer is a stranger's 2xx, so Klaviyo as a whole looks unreachable: delivery pauses and keeps the items
        // (attempts while paused do not count) until MaxItemAge, then they expire with the reason: never delivered.
        var (outcomes, _, klaviyo) = await RunAsync(_ => ScriptedKlaviyo.Json(HttpStatusCode.OK, body, mediaType), events: 7,
            configure: o => o.MaxItemAge = TimeSpan.FromMinutes(10));

        Assert.Equal(7, outcomes.Count);
        Assert.DoesNotContain(outcomes, o => o.Status == DeliveryStatus.Delivered);
        Assert.All(outcomes, o =>
        {
            Assert.Equal(DeliveryStatus.Expired, o.Status);
            Assert.Contains("not an answer from Klaviyo", o.Reason);
        });
        // Retried until Klaviyo as a whole looked unreachable (three failures in a row), then probed while paused.
        Assert.True(klaviyo.Requests.Count >= 3, $"{klaviyo.Requests.Count} requests");
    }

    [Fact]
    public async Task A_captive_portal_that_goes_away_costs_nothing_every_item_is_delivered_afterwards()
    {
        var (outcomes, _, _) = await RunAsync(call => call <= 2 ? ScriptedKlaviyo.Json(HttpStatusCode.OK, "<html>login</html>", "text/html") : null, events: 7);

        Assert.Equal(7, outcomes.Count(o => o.Status == DeliveryStatus.Delivered));
    }

    [Fact]
    public void Klaviyos_own_answers_are_accepted_an_empty_202_where_the_endpoint_defines_one_and_a_document_elsewhere()
    {
        var jsonApi = new System.Net.Http.Headers.MediaTypeHeaderValue("application/vnd.api+json");
        Assert.Null(KlaviyoAnswerShape.Refuse(KlaviyoEndpoint.Events, null, []));
        Assert.Null(KlaviyoAnswerShape.Refuse(KlaviyoEndpoint.EventBulkCreate, null, []));
        Assert.Null(KlaviyoAnswerShape.Refuse(KlaviyoEndpoint.ListAdd, null, []));
        Assert.Null(KlaviyoAnswerShape.Refuse(KlaviyoEndpoint.ProfileImport, jsonApi, """{"data":{"type":"profile","id":"1"}}"""u8.ToArray()));
        Assert.NotNull(KlaviyoAnswerShape.Refuse(KlaviyoEndpoint.ProfileImport, null, []));
        Assert.NotNull(KlaviyoAnswerShape.Refuse(KlaviyoEndpoint.ProfileBulkImport, jsonApi, """{"errors":[]}"""u8.ToArray()));
    }
}
