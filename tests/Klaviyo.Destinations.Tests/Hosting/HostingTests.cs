using Klaviyo.Destinations.Tests.Durability;
using Klaviyo.Emulator;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Klaviyo.Destinations.Tests.Hosting;

/// <summary>
/// <c>AddKlaviyoDestinations</c> in a real ASP.NET Core app: the queue opens and delivery starts when the host starts
/// (not on the first request), a bad queue path fails the start with the fix, every bad setting is reported at once,
/// and the key check names the account without ever showing the key.
/// </summary>
public sealed class HostingTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private KlaviyoEmulator _klaviyo = null!;

    public async Task InitializeAsync() => _klaviyo = await KlaviyoEmulator.StartAsync(new KlaviyoEmulatorOptions { Port = 0, RateLimitsEnabled = false });

    public async Task DisposeAsync()
    {
        await _klaviyo.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task Items_an_earlier_run_left_are_delivered_when_the_host_starts_without_any_request()
    {
        const int Left = 12;
        var path = _dir.File("queue.db");
        await using (var earlier = new SqliteEventQueue(path))
        {
            for (var n = 0; n < Left; n++)
            {
                var item = QueueItems.Event($"user-{n}", n);
                Assert.True(earlier.Enqueue(item).Accepted);
                Assert.True(await earlier.WhenDurableAsync(item, CancellationToken.None));
            }
        }
        var outcomes = new OutcomeCounter(Left);
        await using var app = TestWebApp.Build(b => b.Services.AddKlaviyoDestinations(o =>
        {
            o.ApiKey = "pk_hosting_secret";
            o.BaseUrl = _klaviyo.BaseAddress;
            o.QueuePath = path;
            o.OnOutcome = outcomes.Record;
        }));
        await app.StartAsync();

        // No request reaches the app: the hosted service alone opened the queue and delivered.
        await outcomes.AllDelivered.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(Left, _klaviyo.State.Events.Where(e => e.MetricName == "Queue Test").Select(e => e.UniqueId).Distinct().Count());
        Assert.Empty(outcomes.NotDelivered);
        await app.StopAsync();
    }

    [Fact]
    public async Task An_unwritable_queue_path_fails_the_host_start_with_the_fix()
    {
        var notADirectory = _dir.File("a-file");
        await File.WriteAllTextAsync(notADirectory, "x");
        await using var app = TestWebApp.Build(b => b.Services.AddKlaviyoDestinations(o =>
        {
            o.ApiKey = "pk_hosting_secret";
            o.BaseUrl = _klaviyo.BaseAddress;
            o.QueuePath = Path.Combine(notADirectory, "queue.db");
        }));

        var error = await Assert.ThrowsAsync<KlaviyoConfigurationException>(() => app.StartAsync());
        Assert.Contains("QueuePath", error.Message);
        Assert.DoesNotContain("pk_hosting_secret", error.Message);
    }

    [Fact]
    public async Task Every_bad_setting_is_reported_at_once_when_the_host_starts()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Klaviyo:BaseUrl"] = "http://klaviyo.example.com",
            ["Klaviyo:MaxAttempts"] = "0",
            ["Klaviyo:DefaultListId"] = "not a list",
            ["Klaviyo:QueueStorage"] = "Memory",
        }).Build();
        await using var app = TestWebApp.Build(b => b.Services.AddKlaviyoDestinations(config.GetSection("Klaviyo")));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
        Assert.Collection(error.Failures,
            f => Assert.Contains("ApiKey is not set", f),
            f => Assert.Contains("not HTTPS", f),
            f => Assert.Contains("MaxAttempts", f),
            f => Assert.Contains("DefaultListId", f));
        Assert.DoesNotContain("KLAVIYO_API_KEY", error.Message);
        Assert.Contains("Klaviyo__ApiKey", error.Failures.First());
    }

    [Fact]
    public async Task The_key_check_at_start_logs_the_account_and_never_the_key_and_each_request_has_a_span_and_the_user_agent()
    {
        var logs = new SignalingLoggerProvider();
        var spy = new HeaderSpy();
        var spans = new System.Collections.Concurrent.ConcurrentQueue<System.Diagnostics.Activity>();
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = source => source.Name == "Klaviyo.Destinations",
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        await using var app = TestWebApp.Build(b =>
        {
            b.Services.AddKlaviyoDestinations(o =>
            {
                o.ApiKey = "pk_hosting_secret";
                o.BaseUrl = _klaviyo.BaseAddress;
                o.QueueStorage = QueueStorage.Memory;
            });
            b.Services.AddHttpClient(KlaviyoServiceCollectionExtensions.HttpClientName).AddHttpMessageHandler(() => spy);
        }, logs);
        await app.StartAsync();

        var line = await logs.WhenLogged(303).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains("Klaviyo Emulator", line);
        using var http = TestWebApp.Client(app);
        (await http.PostAsync("/orders/1", null)).EnsureSuccessStatusCode();
        await app.Services.GetRequiredService<Analytics>().FlushAsync();
        await app.StopAsync();

        Assert.DoesNotContain(logs.Entries, e => e.Contains("pk_hosting_secret", StringComparison.Ordinal));
        Assert.Contains(spy.Requests, r => r.Path == "/api/accounts");
        Assert.Contains(spy.Requests, r => r.Path == "/api/events");
        Assert.All(spy.Requests, r => Assert.StartsWith("Klaviyo.Destinations/", r.UserAgent));
        Assert.Contains(spans, s => s.DisplayName == "GET /api/accounts" && Equals(s.GetTagItem("http.response.status_code"), 200));
        Assert.Contains(spans, s => s.DisplayName == "POST /api/events" && s.Kind == System.Diagnostics.ActivityKind.Client);
    }

    private sealed class HeaderSpy : DelegatingHandler
    {
        public System.Collections.Concurrent.ConcurrentQueue<(string Path, string UserAgent)> Requests { get; } = new();

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Enqueue((request.RequestUri!.AbsolutePath, request.Headers.UserAgent.ToString()));
            return base.SendAsync(request, cancellationToken);
        }
    }
}
