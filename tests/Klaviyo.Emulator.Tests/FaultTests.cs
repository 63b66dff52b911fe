using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Klaviyo.Emulator.Tests;

public sealed class FaultTests
{
    [Theory]
    [InlineData(503)]
    [InlineData(500)]
    public async Task A_failure_rate_of_one_answers_every_request_with_the_configured_5xx(int status)
    {
        await using var k = await TestEmulator.StartAsync(o => o.Faults = new EmulatorFaults { FailureRate = 1, FailureStatusCode = status });
        using var response = await k.PostAsync("api/events", Bodies.Event(new JsonObject { ["email"] = "a@example.com" }));
        await TestEmulator.Error(response, status);
        Assert.Empty(k.State.Events);
    }

    [Fact]
    public async Task A_partial_failure_rate_fails_some_and_passes_others()
    {
        await using var k = await TestEmulator.StartAsync(o => o.Faults = new EmulatorFaults { FailureRate = 0.5 });
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 40; i++)
        {
            using var r = await k.GetAsync("api/accounts");
            statuses.Add(r.StatusCode);
        }

        Assert.Contains(HttpStatusCode.OK, statuses);
        Assert.Contains(HttpStatusCode.ServiceUnavailable, statuses);
    }

    [Fact]
    public async Task Fail_next_fails_exactly_that_many_requests()
    {
        await using var k = await TestEmulator.StartAsync();
        k.Emulator.FailNext(2, 504);
        using var a = await k.GetAsync("api/accounts");
        using var b = await k.GetAsync("api/accounts");
        using var c = await k.GetAsync("api/accounts");
        Assert.Equal([HttpStatusCode.GatewayTimeout, HttpStatusCode.GatewayTimeout, HttpStatusCode.OK], new[] { a.StatusCode, b.StatusCode, c.StatusCode });
    }

    [Fact]
    public async Task A_reset_rate_of_one_aborts_the_connection()
    {
        await using var k = await TestEmulator.StartAsync(o => o.Faults = new EmulatorFaults { ResetRate = 1 });
        await Assert.ThrowsAsync<HttpRequestException>(() => k.GetAsync("api/accounts"));
        Assert.Equal(1, k.Emulator.Counters.Get("GET /api/accounts", 0));
        Assert.Equal(0, Assert.Single(k.State.RejectedRequests).Status);
    }

    [Fact]
    public async Task Down_for_n_seconds_is_503_with_retry_after_then_up_again()
    {
        await using var k = await TestEmulator.StartAsync();
        k.Emulator.GoDown(TimeSpan.FromSeconds(30));

        using var down = await k.GetAsync("api/accounts");
        await TestEmulator.Error(down, 503);
        Assert.Equal(TimeSpan.FromSeconds(30), down.Headers.RetryAfter?.Delta);

        k.Time.Advance(TimeSpan.FromSeconds(29));
        using var stillDown = await k.GetAsync("api/accounts");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, stillDown.StatusCode);

        k.Time.Advance(TimeSpan.FromSeconds(1));
        using var up = await k.GetAsync("api/accounts");
        Assert.Equal(HttpStatusCode.OK, up.StatusCode);
        Assert.Null(k.Emulator.Faults.DownUntil);
    }

    [Fact]
    public async Task Down_in_reset_mode_aborts_connections()
    {
        await using var k = await TestEmulator.StartAsync();
        k.Emulator.GoDown(TimeSpan.FromSeconds(10), EmulatorDownMode.ConnectionReset);
        await Assert.ThrowsAsync<HttpRequestException>(() => k.GetAsync("api/accounts"));
        k.Time.Advance(TimeSpan.FromSeconds(10));
        using var up = await k.GetAsync("api/accounts");
        Assert.Equal(HttpStatusCode.OK, up.StatusCode);
    }

    [Fact]
    public async Task Latency_holds_the_request_until_the_clock_moves()
    {
        await using var k = await TestEmulator.StartAsync(o => o.Faults = new EmulatorFaults { Latency = TimeSpan.FromMilliseconds(250) });
        var pending = k.GetAsync("api/accounts");

        Assert.True(SpinWait.SpinUntil(() => k.Emulator.DelayedRequestCount == 1, TimeSpan.FromSeconds(10)));
        Assert.False(pending.IsCompleted);

        k.Time.Advance(TimeSpan.FromMilliseconds(250));
        using var response = await pending;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Faults_are_set_and_cleared_through_the_admin_endpoint_and_do_not_touch_admin_paths()
    {
        await using var k = await TestEmulator.StartAsync();
        using var admin = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = k.Emulator.BaseAddress };

        using var set = await admin.PostAsync("_emulator/faults", new StringContent("""{"failRate":1,"failStatus":500}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.Equal(1, k.Emulator.Faults.FailureRate);
        using var failed = await k.GetAsync("api/accounts");
        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        using var state = await admin.GetAsync("_emulator/state");
        Assert.Equal(HttpStatusCode.OK, state.StatusCode);

        using var clear = await admin.DeleteAsync("_emulator/faults");
        using var ok = await k.GetAsync("api/accounts");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);

        using var down = await admin.PostAsync("_emulator/faults", new StringContent("""{"downSeconds":30}""", Encoding.UTF8, "application/json"));
        using var unavailable = await k.GetAsync("api/accounts");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, unavailable.StatusCode);

        using var bad = await admin.PostAsync("_emulator/faults", new StringContent("""{"failRate":2}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }
}
