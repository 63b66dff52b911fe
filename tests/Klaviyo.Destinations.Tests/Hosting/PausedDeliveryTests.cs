using Klaviyo.Destinations.Tests.Durability;
using Klaviyo.Emulator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Klaviyo.Destinations.Tests.Hosting;

/// <summary>
/// A key problem or a Klaviyo outage pauses delivery and keeps every item; it never rejects or dead-letters them.
/// Client and emulator share a clock compressed 60× (<see cref="ScaledTimeProvider"/>), so a 10-minute outage takes 10 s.
/// </summary>
public sealed class PausedDeliveryTests : IAsyncLifetime
{
    private readonly ScaledTimeProvider _clock = new(60);
    private readonly TempDirectory _dir = new();
    // Pre-sized: adding the key later never resizes the set while the emulator reads it.
    private readonly HashSet<string> _validKeys = new(16, StringComparer.Ordinal) { "pk_someone_elses_key" };
    private KlaviyoEmulator _klaviyo = null!;

    public async Task InitializeAsync() => _klaviyo = await KlaviyoEmulator.StartAsync(new KlaviyoEmulatorOptions
    {
        Port = 0,
        TimeProvider = _clock,
        RateLimitsEnabled = true,
        ValidApiKeys = _validKeys,
    });

    public async Task DisposeAsync()
    {
        await _klaviyo.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task A_key_refused_for_a_while_then_accepted_delivers_every_item_once()
    {
        const int Orders = 40;
        var logs = new SignalingLoggerProvider();
        var outcomes = new OutcomeCounter(Orders);
        await using var app = TestWebApp.Build(b =>
        {
            b.Services.AddSingleton<TimeProvider>(_clock);
            b.Services.AddKlaviyoDestinations(o =>
            {
                o.ApiKey = "pk_not_yet_valid";
                o.BaseUrl = _klaviyo.BaseAddress;
                o.QueuePath = _dir.File("queue.db");
                o.CheckKeyAtStartup = false; // the key is refused in the middle of delivery, not at start
                o.OnOutcome = outcomes.Record;
            });
        }, logs);
        await app.StartAsync();
        using var http = TestWebApp.Client(app);
        for (var n = 0; n < Orders; n++) (await http.PostAsync($"/orders/{n}", null)).EnsureSuccessStatusCode();

        var paused = await logs.WhenLogged(301).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Contains("CredentialsRefused", paused);
        Assert.Equal(DeliveryState.CredentialsRefused, app.Services.GetRequiredService<Analytics>().Destination.State);
        await Task.Delay(TimeSpan.FromMinutes(5), _clock);            // five (compressed) minutes with a refused key
        Assert.Equal(0, outcomes[DeliveryStatus.Rejected] + outcomes[DeliveryStatus.Expired]);

        lock (_validKeys) _validKeys.Add("pk_not_yet_valid");        // the key works again
        await outcomes.AllDelivered.WaitAsync(TimeSpan.FromSeconds(60));
        await logs.WhenLogged(302).WaitAsync(TimeSpan.FromSeconds(10));
        await app.StopAsync();

        Assert.Empty(outcomes.NotDelivered);
        var events = _klaviyo.State.Events.Where(e => e.MetricName == "Placed Order").ToList();
        Assert.Equal(Orders, events.Count);
        Assert.Equal(Orders, events.Select(e => e.UniqueId).Distinct().Count());
        Assert.Equal(0, app.Services.GetRequiredService<Analytics>().Destination.DurableQueue!.DeadLetterCount);
    }

    [Fact]
    public async Task Rotating_the_key_keeps_the_items_of_the_default_queue()
    {
        const int Events = 25;
        var logs = new SignalingLoggerProvider();
        using var loggers = Microsoft.Extensions.Logging.LoggerFactory.Create(l => l.AddProvider(logs));
        KlaviyoDestinationOptions Options(string key, OutcomeCounter outcomes) => new()
        {
            ApiKey = key,
            BaseUrl = _klaviyo.BaseAddress,   // no QueuePath: the default location
            ShutdownTimeout = TimeSpan.Zero,
            OnOutcome = outcomes.Record,
        };
        var directory = DefaultQueueLocation.Directory(Options("pk_old_key", new OutcomeCounter(0)));
        try
        {
            var first = new OutcomeCounter(Events);
            await using (var analytics = new Analytics(Options("pk_old_key", first), loggerFactory: loggers, timeProvider: _clock))
            {
                for (var n = 0; n < Events; n++)
                    analytics.Track($"user-{n}", "Rotation Test", new Dictionary<string, object?> { ["n"] = n }, new MessageOptions { MessageId = $"rotation-{n}" });
                await logs.WhenLogged(301).WaitAsync(TimeSpan.FromSeconds(60));   // the old key is refused: paused, kept
            }
            Assert.Empty(first.NotDelivered);

            lock (_validKeys) _validKeys.Add("pk_new_key");
            var second = new OutcomeCounter(Events);
            await using (var analytics = new Analytics(Options("pk_new_key", second), timeProvider: _clock))
            {
                await analytics.FlushAsync().WaitAsync(TimeSpan.FromSeconds(60));
            }
            Assert.Empty(second.NotDelivered);
            Assert.Equal(Events, _klaviyo.State.Events.Count(e => e.MetricName == "Rotation Test"));
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task A_ten_minute_outage_with_the_default_settings_dead_letters_nothing_and_everything_is_delivered_after()
    {
        const int Events = 300;
        lock (_validKeys) _validKeys.Add("pk_outage_key");
        var outcomes = new OutcomeCounter(Events);
        var logs = new SignalingLoggerProvider();
        using var loggers = Microsoft.Extensions.Logging.LoggerFactory.Create(l => l.AddProvider(logs));
        var options = new KlaviyoDestinationOptions
        {
            ApiKey = "pk_outage_key",
            BaseUrl = _klaviyo.BaseAddress,
            QueuePath = _dir.File("outage.db"),
            OnOutcome = outcomes.Record,
        };
        _klaviyo.GoDown(TimeSpan.FromMinutes(10), EmulatorDownMode.ConnectionReset);   // no answer at all, no Retry-After
        await using var analytics = new Analytics(options, loggerFactory: loggers, timeProvider: _clock);
        for (var n = 0; n < Events; n++)
            analytics.Track($"user-{n % 30}", "Outage Test", new Dictionary<string, object?> { ["n"] = n }, new MessageOptions { MessageId = $"outage-{n}" });

        var paused = await logs.WhenLogged(301).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Contains("KlaviyoUnavailable", paused);
        var requestsWhenPaused = _klaviyo.Counters.WithStatus(0);
        await Task.Delay(TimeSpan.FromMinutes(10), _clock);             // the rest of the outage
        await outcomes.AllDelivered.WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Empty(outcomes.NotDelivered);
        Assert.Equal(0, analytics.Destination.DurableQueue!.DeadLetterCount);
        Assert.Equal(Events, _klaviyo.State.Events.Where(e => e.MetricName == "Outage Test").Select(e => e.UniqueId).Distinct().Count());
        // Paused, Klaviyo was asked about once per PausedProbeInterval (30 s), not hammered by every batch.
        Assert.InRange(_klaviyo.Counters.WithStatus(0) - requestsWhenPaused, 1, 40);
    }
}
