using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Klaviyo.Destinations.Tests.Hosting;

/// <summary>
/// The health check and the metrics watch how long the oldest undelivered item has waited, not only how many wait: a
/// sender that stopped answering shows as Degraded, then Unhealthy, even with a small backlog.
/// </summary>
public sealed class BacklogAgeHealthTests : IAsyncDisposable
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 8, 3, 12, 0, 0, TimeSpan.Zero));
    private readonly StuckSender _sender = new();
    private readonly KlaviyoDestinationOptions _options = new() { QueueStorage = QueueStorage.Memory, ApiKey = "pk_test_secret_123", ShutdownTimeout = TimeSpan.FromSeconds(5) };
    private readonly Analytics _analytics;

    public BacklogAgeHealthTests() => _analytics = new Analytics(_options, timeProvider: _clock, sender: _sender);

    public async ValueTask DisposeAsync()
    {
        _sender.Answer.TrySetResult(new SendResult(SendStatus.Delivered, 202));
        await _analytics.DisposeAsync();
    }

    private async Task<HealthCheckResult> CheckAsync(KlaviyoHealthCheckOptions? settings = null)
    {
        var services = new ServiceCollection()
            .AddSingleton(_analytics)
            .AddSingleton(Options.Create(_options))
            .AddSingleton<TimeProvider>(_clock)
            .BuildServiceProvider();
        await using (services)
            return await new KlaviyoHealthCheck(services, settings ?? new KlaviyoHealthCheckOptions()).CheckHealthAsync(new HealthCheckContext());
    }

    [Fact]
    public async Task A_backlog_that_stops_moving_turns_the_check_degraded_then_unhealthy_by_its_age()
    {
        _analytics.Track("u1", "Order Completed", new Dictionary<string, object?> { ["total"] = 10 });
        var healthy = await CheckAsync();
        Assert.Equal(HealthStatus.Healthy, healthy.Status);
        Assert.Equal(1L, healthy.Data["backlog"]);
        Assert.Equal(0.0, healthy.Data["backlogAgeSeconds"]);

        // The default thresholds start from the flush window (1 s here): Degraded 15 min past it, Unhealthy 1 h past it.
        _clock.Advance(TimeSpan.FromMinutes(16));
        var degraded = await CheckAsync();
        Assert.Equal(HealthStatus.Degraded, degraded.Status);
        Assert.Contains("oldest undelivered item has waited 16 min", degraded.Description);
        Assert.Equal(16 * 60.0, degraded.Data["backlogAgeSeconds"]);
        Assert.Equal(new DateTimeOffset(2026, 8, 3, 12, 0, 0, TimeSpan.Zero), degraded.Data["oldestUnfinishedAt"]);

        _clock.Advance(TimeSpan.FromMinutes(45));
        var unhealthy = await CheckAsync();
        Assert.Equal(HealthStatus.Unhealthy, unhealthy.Status);
        Assert.Contains("not keeping up", unhealthy.Description);

        // Set thresholds apply instead of the defaults.
        var relaxed = await CheckAsync(new KlaviyoHealthCheckOptions { DegradedBacklogAge = TimeSpan.FromHours(2), UnhealthyBacklogAge = TimeSpan.FromHours(4) });
        Assert.Equal(HealthStatus.Healthy, relaxed.Status);
    }

    [Fact]
    public async Task Once_the_backlog_is_delivered_the_check_is_healthy_again()
    {
        _analytics.Track("u1", "Order Completed", new Dictionary<string, object?> { ["total"] = 10 });
        _clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal(HealthStatus.Unhealthy, (await CheckAsync()).Status);

        _sender.Answer.TrySetResult(new SendResult(SendStatus.Delivered, 202));
        await _analytics.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));
        var healthy = await CheckAsync();
        Assert.Equal(HealthStatus.Healthy, healthy.Status);
        Assert.Equal(0L, healthy.Data["backlog"]);
        Assert.False(healthy.Data.ContainsKey("oldestUnfinishedAt"));
    }

    [Fact]
    public void Audience_lists_widen_the_default_window_by_their_flush_interval()
    {
        var options = new KlaviyoDestinationOptions { AudienceLists = { ["vip"] = "L1" }, AudienceFlushInterval = TimeSpan.FromHours(16) };
        var (degraded, unhealthy) = new KlaviyoHealthCheckOptions().Thresholds(options);
        Assert.Equal(TimeSpan.FromHours(16) + TimeSpan.FromMinutes(15), degraded);
        Assert.Equal(TimeSpan.FromHours(17), unhealthy);
        Assert.Throws<KlaviyoConfigurationException>(() => new KlaviyoHealthCheckOptions { DegradedBacklogAge = TimeSpan.FromHours(2), UnhealthyBacklogAge = TimeSpan.FromHours(1) }.Thresholds(options));
    }

    [Fact]
    public async Task The_backlog_and_its_age_are_observable_gauges()
    {
        // The meters come from this test's own factory, so other clients running meanwhile do not show up.
        await using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        await using var analytics = new Analytics(_options, null, null, _clock, null, _sender, factory);
        analytics.Track("u1", "Order Completed", new Dictionary<string, object?> { ["total"] = 10 });
        _clock.Advance(TimeSpan.FromMinutes(3));
        var seen = new Dictionary<string, double>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == factory && instrument.Name.StartsWith("klaviyo.destinations.queue.backlog", StringComparison.Ordinal))
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>((instrument, value, _, _) => seen[instrument.Name] = value);
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => seen[instrument.Name] = value);
        listener.Start();
        listener.RecordObservableInstruments();
        Assert.Equal(180.0, seen["klaviyo.destinations.queue.backlog.age"]);
        Assert.Equal(1.0, seen["klaviyo.destinations.queue.backlog"]);
        _sender.Answer.TrySetResult(new SendResult(SendStatus.Delivered, 202));
    }

    /// <summary>A sender whose answer never comes until the test gives it.</summary>
    private sealed class StuckSender : IKlaviyoSender
    {
        public TaskCompletionSource<SendResult> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<SendResult> SendAsync(QueuedItem item, CancellationToken cancellationToken) => Answer.Task.WaitAsync(cancellationToken);
    }
}
