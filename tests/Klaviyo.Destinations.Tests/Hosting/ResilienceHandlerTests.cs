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
    [Fact]
    public async Task A_standard_hedging_handler_on_our_client_and_a_slow_Klaviyo_send_each_attempt_once_and_lose_nothing()
    {
        const int Orders = 30;
        var logs = new SignalingLoggerProvider();
        var outcomes = new OutcomeCounter(Orders);
        var attempts = new CountingHandler();
        // 4 s per answer (compressed clock): past the hedging handler's 2 s hedging delay, within its timeouts.
        _klaviyo.SetFaults(new EmulatorFaults { Latency = TimeSpan.FromSeconds(4) });
        await using var app = TestWebApp.Build(b =>
        {
            b.Services.AddSingleton<TimeProvider>(_clock);
            b.Services.AddKlaviyoDestinations(o =>
            {
                o.ApiKey = "pk_hedging";
                o.BaseUrl = _klaviyo.BaseAddress;
                o.QueueStorage = QueueStorage.Memory;
                o.OnOutcome = outcomes.Record;
            });
            // Registered after AddKlaviyoDestinations on our own client: the hedging handler would sit inside a handler
            // added by the registration; ours is placed innermost whatever the order.
            b.Services.AddHttpClient(KlaviyoServiceCollectionExtensions.HttpClientName)
                .AddHttpMessageHandler(() => attempts)
                .AddStandardHedgingHandler();
        }, logs);
        await app.StartAsync();
        using var http = TestWebApp.Client(app);
        for (var n = 0; n < Orders; n++) (await http.PostAsync($"/orders/{n}", null)).EnsureSuccessStatusCode();

        var warning = await logs.WhenLogged(306).WaitAsync(TimeSpan.FromSeconds(60));   // the handler hedged one of our attempts
        Assert.Contains("hedged", warning);
        await outcomes.AllDelivered.WaitAsync(TimeSpan.FromSeconds(60));   // Klaviyo stays slow throughout
        await app.StopAsync();

        Assert.Empty(outcomes.NotDelivered);
        Assert.DoesNotContain(logs.Entries, e => e.Contains("unexpectedly", StringComparison.Ordinal));
        var events = _klaviyo.State.Events.Where(e => e.MetricName == "Placed Order").ToList();
        Assert.Equal(Orders, events.Count);
        Assert.Equal(Orders, events.Select(e => e.UniqueId).Distinct().Count());
        // Each of our attempts (counted outside the hedging handler) reached Klaviyo exactly once: no hedged copy went out.
        // (At most once: on a loaded machine the handler's own timeouts, 10 s on this 60× clock, can cut an attempt short.)
        Assert.True(attempts.BulkEventPosts > 0);
        Assert.True(_klaviyo.Counters.Total("POST /api/event-bulk-create-jobs") <= attempts.BulkEventPosts, string.Join("; ", attempts.Log) + " | " + string.Join(", ", _klaviyo.Counters.Snapshot().Select(kv => kv.Key + ":" + string.Join("/", kv.Value))));
        Assert.Equal(DeliveryState.Running, app.Services.GetRequiredService<Analytics>().Destination.State);
    }

    private sealed class CountingHandler : DelegatingHandler
    {
        private int _bulkEventPosts;

        public int BulkEventPosts => Volatile.Read(ref _bulkEventPosts);

        public System.Collections.Concurrent.ConcurrentQueue<string> Log { get; } = new();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method == HttpMethod.Post && request.RequestUri!.AbsolutePath == "/api/event-bulk-create-jobs") Interlocked.Increment(ref _bulkEventPosts);
            try
            {
                var r = await base.SendAsync(request, cancellationToken);
                Log.Enqueue(request.RequestUri!.AbsolutePath + " " + (int)r.StatusCode);
                return r;
            }
            catch (Exception ex)
            {
                Log.Enqueue(request.RequestUri!.AbsolutePath + " " + ex.GetType().Name + " " + ex.Message);
                throw;
            }
        }
    }
}
