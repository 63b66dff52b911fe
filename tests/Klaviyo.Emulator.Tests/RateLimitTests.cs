using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;

namespace Klaviyo.Emulator.Tests;

public sealed class RateLimitTests
{
    private static Task<TestEmulator> StartAsync(double timeScale = 1) =>
        TestEmulator.StartAsync(o => (o.RateLimitsEnabled, o.TimeScale) = (true, timeScale));

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.Single() : throw new Xunit.Sdk.XunitException($"no {name} header");

    [Fact]
    public async Task A_burst_over_the_per_second_tier_is_429_with_retry_after_and_recovers_in_the_next_second()
    {
        await using var k = await StartAsync();

        using var first = await k.GetAsync("api/accounts");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("15", Header(first, "RateLimit-Limit"));
        Assert.Equal("14", Header(first, "RateLimit-Remaining"));
        Assert.Equal("60", Header(first, "RateLimit-Reset"));

        using var throttled = await k.GetAsync("api/accounts");
        Assert.Equal("throttled", (await TestEmulator.Error(throttled, 429))["code"]!.GetValue<string>());
        Assert.Equal(TimeSpan.FromSeconds(1), throttled.Headers.RetryAfter?.Delta);
        Assert.Equal("1000", Header(throttled, "X-Emulator-Retry-After-Ms"));
        Assert.False(throttled.Headers.Contains("RateLimit-Limit"));

        k.Time.Advance(TimeSpan.FromSeconds(1));
        using var recovered = await k.GetAsync("api/accounts");
        Assert.Equal(HttpStatusCode.OK, recovered.StatusCode);
        Assert.Equal("13", Header(recovered, "RateLimit-Remaining"));
        Assert.Equal(1, k.Emulator.Counters.Get("GET /api/accounts", 429));
    }

    [Fact]
    public async Task The_per_minute_tier_throttles_until_the_minute_ends()
    {
        await using var k = await StartAsync();
        for (var i = 0; i < 15; i++)
        {
            using var ok = await k.GetAsync("api/accounts");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            k.Time.Advance(TimeSpan.FromSeconds(1));
        }

        using var throttled = await k.GetAsync("api/accounts");
        await TestEmulator.Error(throttled, 429);
        Assert.Equal(TimeSpan.FromSeconds(45), throttled.Headers.RetryAfter?.Delta);

        k.Time.Advance(TimeSpan.FromSeconds(44));
        using var stillThrottled = await k.GetAsync("api/accounts");
        Assert.Equal(HttpStatusCode.TooManyRequests, stillThrottled.StatusCode);

        k.Time.Advance(TimeSpan.FromSeconds(1));
        using var recovered = await k.GetAsync("api/accounts");
        Assert.Equal(HttpStatusCode.OK, recovered.StatusCode);
        Assert.Equal("14", Header(recovered, "RateLimit-Remaining"));
    }

    [Fact]
    public async Task Bulk_job_tier_is_ten_per_second()
    {
        await using var k = await StartAsync();
        var body = Bodies.BulkEvents(Bodies.BulkEntry(new JsonObject { ["email"] = "a@example.com" }, Bodies.EventAttributes()));
        for (var i = 0; i < 10; i++)
        {
            using var ok = await k.PostAsync("api/event-bulk-create-jobs", body);
            Assert.Equal(HttpStatusCode.Accepted, ok.StatusCode);
            Assert.Equal("150", Header(ok, "RateLimit-Limit"));
        }

        using var throttled = await k.PostAsync("api/event-bulk-create-jobs", body);
        await TestEmulator.Error(throttled, 429);
    }

    [Theory]
    [InlineData("api/profile-import", "750")]
    [InlineData("api/events", "3500")]
    public async Task Tiers_come_from_the_spec_per_operation(string path, string steady)
    {
        await using var k = await StartAsync();
        var body = path == "api/events" ? Bodies.Event(new JsonObject { ["email"] = "a@example.com" }) : Bodies.Profile(new JsonObject { ["email"] = "a@example.com" });
        using var response = await k.PostAsync(path, body);
        Assert.True(response.IsSuccessStatusCode);
        Assert.Equal(steady, Header(response, "RateLimit-Limit"));
    }

    [Fact]
    public async Task Time_scale_shrinks_windows_and_retry_delays()
    {
        await using var k = await StartAsync(timeScale: 60);

        using var first = await k.GetAsync("api/accounts");
        Assert.Equal("1", Header(first, "RateLimit-Reset"));

        using var burst = await k.GetAsync("api/accounts");
        Assert.Equal(HttpStatusCode.TooManyRequests, burst.StatusCode);
        var wait = int.Parse(Header(burst, "X-Emulator-Retry-After-Ms"), CultureInfo.InvariantCulture);
        Assert.InRange(wait, 1, 17);
        Assert.Equal(TimeSpan.FromSeconds(1), burst.Headers.RetryAfter?.Delta);

        k.Time.Advance(TimeSpan.FromMilliseconds(wait));
        using var next = await k.GetAsync("api/accounts");
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);

        // The per-minute tier (15) now lasts one real second.
        for (var i = 0; i < 13; i++)
        {
            k.Time.Advance(TimeSpan.FromMilliseconds(17));
            using var ok = await k.GetAsync("api/accounts");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        k.Time.Advance(TimeSpan.FromMilliseconds(17));
        using var steady = await k.GetAsync("api/accounts");
        Assert.Equal(HttpStatusCode.TooManyRequests, steady.StatusCode);
        var steadyWait = int.Parse(Header(steady, "X-Emulator-Retry-After-Ms"), CultureInfo.InvariantCulture);
        Assert.InRange(steadyWait, 17, 1000);
        k.Time.Advance(TimeSpan.FromMilliseconds(steadyWait));
        using var again = await k.GetAsync("api/accounts");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    [Fact]
    public async Task Rate_limits_can_be_off_and_switched_on_at_run_time()
    {
        await using var k = await TestEmulator.StartAsync();
        for (var i = 0; i < 20; i++)
        {
            using var ok = await k.GetAsync("api/accounts");
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.False(ok.Headers.Contains("RateLimit-Limit"));
        }

        k.Emulator.RateLimitsEnabled = true;
        (await k.GetAsync("api/accounts")).Dispose();
        using var throttled = await k.GetAsync("api/accounts");
        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
    }
}
