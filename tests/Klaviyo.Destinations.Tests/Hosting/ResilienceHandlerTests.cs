using Klaviyo.Destinations.Tests.Durability;
using Klaviyo.Emulator;
using Microsoft.Extensions.DependencyInjection;

namespace Klaviyo.Destinations.Tests.Hosting;

/// <summary>
/// An app that adds the standard resilience handler to every HttpClient (what Aspire's service defaults do), with a
/// Klaviyo slower than the handler's attempt timeout: Polly's <c>TimeoutRejectedException</c> is an ordinary "no
/// answer" for our retry, the handler's own retries are refused (each of our attempts reaches Klaviyo once), and
/// nothing is lost with the in-memory queue.
/// </summary>
public sealed class ResilienceHandlerTests : IAsyncLifetime
{
    private readonly ScaledTimeProvider _clock = new(60);
    private KlaviyoEmulator _klaviyo = null!;

    public async Task InitializeAsync() => _klaviyo = await KlaviyoEmulator.StartAsync(new KlaviyoEmulatorOptions { Port = 0, TimeProvider = _clock, RateLimitsEnabled = true });

    public async Task DisposeAsync() => await _klaviyo.DisposeAsync();

    [Fact]
    public async Task A_standard_resilience_handler_and_a_slow_Klaviyo_lose_nothing()
    {
        const int Orders = 30;
        var logs = new SignalingLoggerProvider();
        var outcomes = new OutcomeCounter(Orders);
        // 15 s per answer: beyond the standard handler's 10 s attempt timeout (both on the compressed clock).
        _klaviyo.SetFaults(new EmulatorFaults { Latency = TimeSpan.FromSeconds(15) });
        await using var app = TestWebApp.Build(b =>
        {
            b.Services.AddSingleton<TimeProvider>(_clock);
            b.Services.ConfigureHttpClientDefaults(h => h.AddStandardResilienceHandler());
            b.Services.AddKlaviyoDestinations(o =>
            {
                o.ApiKey = "pk_resilience";
                o.BaseUrl = _klaviyo.BaseAddress;
                o.QueueStorage = QueueStorage.Memory;
                o.CheckKeyAtStartup = false;
                o.OnOutcome = outcomes.Record;
            });
        }, logs);
        await app.StartAsync();
        using var http = TestWebApp.Client(app);
        for (var n = 0; n < Orders; n++) (await http.PostAsync($"/orders/{n}", null)).EnsureSuccessStatusCode();

        var warning = await logs.WhenLogged(306).WaitAsync(TimeSpan.FromSeconds(60));   // the handler retried one of our attempts
        Assert.Contains("AddStandardResilienceHandler", warning);
        _klaviyo.ClearFaults();
        await outcomes.AllDelivered.WaitAsync(TimeSpan.FromSeconds(60));
        await app.StopAsync();

        Assert.Empty(outcomes.NotDelivered);
        Assert.DoesNotContain(logs.Entries, e => e.Contains("unexpectedly", StringComparison.Ordinal));
        Assert.Equal(Orders, _klaviyo.State.Events.Where(e => e.MetricName == "Placed Order").Select(e => e.UniqueId).Distinct().Count());
    }
}
