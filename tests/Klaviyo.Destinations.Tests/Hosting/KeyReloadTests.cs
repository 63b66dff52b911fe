using Klaviyo.Destinations.Tests.Durability;
using Klaviyo.Emulator;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Klaviyo.Destinations.Tests.Hosting;

/// <summary>
/// A key fixed in configuration while the app runs (appsettings.json with reloadOnChange, a secret store refreshing
/// configuration) is used without a restart: a delivery paused by the refused key asks Klaviyo again at once with the
/// new key and resumes; nothing is lost, and neither key shows in logs, health data or outcomes.
/// </summary>
public sealed class KeyReloadTests : IAsyncLifetime
{
    private const string RevokedKey = "pk_revoked_0123456789";
    private const string NewKey = "pk_rotated_in_9876543210";
    private readonly TempDirectory _dir = new();
    private KlaviyoEmulator _klaviyo = null!;

    public async Task InitializeAsync() => _klaviyo = await KlaviyoEmulator.StartAsync(new KlaviyoEmulatorOptions
    {
        Port = 0,
        RateLimitsEnabled = false,
        ValidApiKeys = new HashSet<string>(StringComparer.Ordinal) { NewKey },
    });

    public async Task DisposeAsync()
    {
        await _klaviyo.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task A_key_changed_in_configuration_is_used_at_once_and_a_refused_key_pause_resumes_with_nothing_lost()
    {
        const int Orders = 30;
        var logs = new SignalingLoggerProvider();
        var outcomes = new OutcomeCounter(Orders);
        await using var app = TestWebApp.Build(b =>
        {
            b.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Klaviyo:ApiKey"] = RevokedKey,
                ["Klaviyo:BaseUrl"] = _klaviyo.BaseAddress.ToString(),
                ["Klaviyo:QueuePath"] = _dir.File("queue.db"),
                // The next probe of the pause is an hour away: only the key change can resume delivery within the test.
                ["Klaviyo:PausedProbeInterval"] = "01:00:00",
                ["Klaviyo:RetryBaseDelay"] = "01:00:00",
                ["Klaviyo:MaxRetryDelay"] = "01:00:00",
            });
            b.Services.AddKlaviyoDestinations(b.Configuration.GetSection("Klaviyo"), o => o.OnOutcome = outcomes.Record);
            b.Services.AddHealthChecks().AddKlaviyoDestinations();
        }, logs);
        await app.StartAsync();
        await logs.WhenLogged(304).WaitAsync(TimeSpan.FromSeconds(60));   // the startup check: key refused, paused
        using var http = TestWebApp.Client(app);
        for (var n = 0; n < Orders; n++) (await http.PostAsync($"/orders/{n}", null)).EnsureSuccessStatusCode();
        var analytics = app.Services.GetRequiredService<Analytics>();
        Assert.Equal(DeliveryState.CredentialsRefused, analytics.Destination.State);
        var health = await app.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();

        // The operator fixes the key in configuration; the app keeps running.
        app.Configuration["Klaviyo:ApiKey"] = NewKey;
        ((IConfigurationRoot)app.Configuration).Reload();

        await logs.WhenLogged(308).WaitAsync(TimeSpan.FromSeconds(30));
        await outcomes.AllDelivered.WaitAsync(TimeSpan.FromSeconds(30));
        await logs.WhenLogged(302).WaitAsync(TimeSpan.FromSeconds(10));   // resumed
        Assert.Equal(DeliveryState.Running, analytics.Destination.State);
        (await http.PostAsync("/orders/after", null)).EnsureSuccessStatusCode();   // new requests use the new key too
        await analytics.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await app.StopAsync();

        Assert.Empty(outcomes.NotDelivered);
        var events = _klaviyo.State.Events.Where(e => e.MetricName == "Placed Order").ToList();
        Assert.Equal(Orders + 1, events.Count);
        Assert.Equal(Orders + 1, events.Select(e => e.UniqueId).Distinct().Count());
        Assert.Equal(0, analytics.Destination.DurableQueue!.DeadLetterCount);
        Assert.Equal(HealthStatus.Unhealthy, health.Status);
        var everything = string.Join("\n", logs.Entries) + string.Join("\n", health.Entries.SelectMany(e => e.Value.Data.Select(d => $"{d.Key}={d.Value}")))
            + health.Entries.Single().Value.Description + analytics.Destination.PauseReason + app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<KlaviyoDestinationOptions>>().CurrentValue;
        Assert.DoesNotContain(RevokedKey[3..], everything, StringComparison.Ordinal);
        Assert.DoesNotContain(NewKey[3..], everything, StringComparison.Ordinal);
    }
}
