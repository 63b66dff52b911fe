using Klaviyo.Destinations.Tests.Durability;
using Klaviyo.Emulator;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Klaviyo.Destinations.Tests.Hosting;

/// <summary><c>AddHealthChecks().AddKlaviyoDestinations()</c> behind <c>MapHealthChecks</c>, as a load balancer or orchestrator reads it.</summary>
public sealed class HealthCheckTests : IAsyncLifetime
{
    private readonly ScaledTimeProvider _clock = new(60);
    private readonly TempDirectory _dir = new();
    private KlaviyoEmulator _klaviyo = null!;

    public async Task InitializeAsync() => _klaviyo = await KlaviyoEmulator.StartAsync(new KlaviyoEmulatorOptions
    {
        Port = 0,
        TimeProvider = _clock,
        RateLimitsEnabled = false,
        ForbiddenApiKeys = new HashSet<string>(StringComparer.Ordinal) { "pk_without_scopes" },
    });

    public async Task DisposeAsync()
    {
        await _klaviyo.DisposeAsync();
        _dir.Dispose();
    }

    private Microsoft.AspNetCore.Builder.WebApplication App(string key, SignalingLoggerProvider logs)
    {
        var app = TestWebApp.Build(b =>
        {
            b.Services.AddSingleton<TimeProvider>(_clock);
            b.Services.AddKlaviyoDestinations(o =>
            {
                o.ApiKey = key;
                o.BaseUrl = _klaviyo.BaseAddress;
                o.QueuePath = _dir.File($"{key}.db");
            });
            b.Services.AddHealthChecks().AddKlaviyoDestinations();
        }, logs);
        app.MapHealthChecks("/health");
        return app;
    }

    [Fact]
    public async Task Healthy_while_delivering_degraded_while_Klaviyo_is_down_and_healthy_again_after()
    {
        var logs = new SignalingLoggerProvider();
        await using var app = App("pk_health", logs);
        await app.StartAsync();
        using var http = TestWebApp.Client(app);
        await logs.WhenLogged(303).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("Healthy", await http.GetStringAsync("/health"));

        _klaviyo.GoDown(TimeSpan.FromMinutes(3), EmulatorDownMode.ConnectionReset);
        for (var n = 0; n < 10; n++) (await http.PostAsync($"/orders/{n}", null)).EnsureSuccessStatusCode();
        await logs.WhenLogged(301).WaitAsync(TimeSpan.FromSeconds(60));
        var degraded = await http.GetAsync("/health");
        Assert.Equal(System.Net.HttpStatusCode.OK, degraded.StatusCode);   // Degraded still serves
        Assert.Equal("Degraded", await degraded.Content.ReadAsStringAsync());

        await logs.WhenLogged(302).WaitAsync(TimeSpan.FromSeconds(60));
        await app.Services.GetRequiredService<Analytics>().FlushAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal("Healthy", await http.GetStringAsync("/health"));
        await app.StopAsync();
    }

    [Fact]
    public async Task Unhealthy_when_Klaviyo_refuses_the_key_at_start()
    {
        var logs = new SignalingLoggerProvider();
        await using var app = App("pk_without_scopes", logs);
        await app.StartAsync();
        using var http = TestWebApp.Client(app);
        await logs.WhenLogged(304).WaitAsync(TimeSpan.FromSeconds(30));

        var answer = await http.GetAsync("/health");
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, answer.StatusCode);
        Assert.Equal("Unhealthy", await answer.Content.ReadAsStringAsync());
        Assert.Equal(DeliveryState.CredentialsRefused, app.Services.GetRequiredService<Analytics>().Destination.State);
        await app.StopAsync();
    }
}
