using System.Collections.Concurrent;
using Klaviyo.Destinations.Tests.Delivery;
using Klaviyo.Emulator;

namespace Klaviyo.Destinations.Tests.Audiences;

/// <summary>An emulator with three lists, a recording HTTP handler and the outcomes of one client.</summary>
internal sealed class AudienceHarness : IAsyncDisposable
{
    public const string Newsletter = "NEWS01";
    public const string Vip = "VIP001";
    public const string Churn = "CHURN1";

    private AudienceHarness(KlaviyoEmulator klaviyo, RecordingHandler handler)
    {
        Klaviyo = klaviyo;
        Handler = handler;
        Http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public KlaviyoEmulator Klaviyo { get; }

    public RecordingHandler Handler { get; }

    public HttpClient Http { get; }

    public ConcurrentQueue<DeliveryOutcome> Outcomes { get; } = new();

    /// <summary>Called with every outcome (after it is recorded).</summary>
    public Action<DeliveryOutcome>? OnOutcome { get; set; }

    public static async Task<AudienceHarness> StartAsync(TimeProvider? clock = null) =>
        new(await KlaviyoEmulator.StartAsync(new KlaviyoEmulatorOptions
        {
            Port = 0,
            TimeProvider = clock ?? TimeProvider.System,
            Lists = { [Newsletter] = "Newsletter", [Vip] = "VIP", [Churn] = "Churn risk" },
        }), new RecordingHandler());

    public Analytics Client(Action<KlaviyoDestinationOptions>? configure = null, TimeProvider? clock = null, IEventQueue? queue = null)
    {
        var options = new KlaviyoDestinationOptions
        {
            QueueStorage = QueueStorage.Memory,
            ApiKey = "pk_audience_secret",
            BaseUrl = Klaviyo.BaseAddress,
            RetryBaseDelay = TimeSpan.FromMilliseconds(5),
            MaxRetryDelay = TimeSpan.FromMilliseconds(50),
            JobPollInterval = TimeSpan.FromMilliseconds(20),
            AudienceLists = { ["VIP"] = Vip, ["Churn Risk"] = Churn },
            OnOutcome = o =>
            {
                Outcomes.Enqueue(o);
                OnOutcome?.Invoke(o);
            },
        };
        configure?.Invoke(options);
        return new Analytics(options, Http, timeProvider: clock, queue: queue);
    }

    public static async Task FlushAsync(Analytics analytics) =>
        await analytics.FlushAsync(new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token);

    public EmulatedProfile Profile(string identifier) =>
        Klaviyo.State.FindProfile(identifier) ?? throw new Xunit.Sdk.XunitException($"Klaviyo has no profile {identifier}.");

    public IReadOnlyList<string> Members(string listId) => Klaviyo.State.Lists.Single(l => l.Id == listId).ProfileIds;

    public bool InList(string listId, string email) => Members(listId).Contains(Profile(email).Id);

    public int Requests(string endpoint) => Klaviyo.Counters.Total(endpoint);

    public static Dictionary<string, object?> Email(string email) => new() { ["email"] = email };

    public ValueTask DisposeAsync()
    {
        Http.Dispose();
        return Klaviyo.DisposeAsync();
    }
}
