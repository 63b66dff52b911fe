using System.Text.Json;
using System.Text.Json.Nodes;
using Klaviyo.Destinations.Tests.Mapping;
using Klaviyo.Destinations.Tests.Support;
using Microsoft.Extensions.Logging;

namespace Klaviyo.Destinations.Tests.Delivery;

/// <summary>
/// Issue 14: <see cref="MappingThread.Background"/>. The call only hands the message over; the requests, the rejections
/// and their reasons are the same as with mapping on the caller's thread; a flush and disposal cover every message
/// handed over before them; messages the shutdown timeout leaves unmapped are refused with a reason, never lost silently.
/// </summary>
public sealed class BackgroundMappingTests
{
    private static readonly DateTimeOffset s_at = new(2026, 3, 4, 5, 6, 7, TimeSpan.Zero);

    private static MessageOptions At(string id) => new() { MessageId = id, Timestamp = s_at };

    private static readonly Customer s_customer = new("ada@example.com", "Ada", "Lovelace", "+44 20 7946 0958", null, null, null, null,
        new PostalAddress("1 Main St", "London", null, "N1", "GB"), 10, Tier.Gold, "pro", null);

    private static readonly OrderCompleted s_order = new("order-1", 25m, "USD",
        [new Product("p-1", "sku-1", "Uno", 3m, 2, "https://example.com/p/1", null), new Product(null, null, "no id", 1m, 1, null, null)]);

    /// <summary>The same calls with every payload shape, good and bad, in both modes.</summary>
    private static void Calls(Analytics analytics)
    {
        // Typed models.
        analytics.Identify("user-1", s_customer, At("m1"));
        analytics.Track("user-1", s_order, At("m2"));
        // Dictionaries (one dated 1970: rejected with its reason).
        analytics.Identify("user-2", new Dictionary<string, object?> { ["email"] = "bob+tag@example.com", ["phone"] = "(415) 555-2671", ["address"] = new Dictionary<string, object?> { ["country"] = "us" } }, At("m3"));
        analytics.Track("user-2", "Signed Up", new Dictionary<string, object?> { ["plan"] = "pro", ["seats"] = 3 }, At("m4"));
        analytics.Track("user-2", "Too Old", new Dictionary<string, object?> { ["a"] = 1 }, new MessageOptions { MessageId = "m5", Timestamp = new DateTimeOffset(1970, 1, 1, 0, 0, 0, TimeSpan.Zero) });
        // JsonElement (its document is disposed right after the call) and JsonObject (changed right after the call).
        using (var document = JsonDocument.Parse("""{"email":"cy@example.com","first_name":"Cy"}"""))
            analytics.Identify("user-3", document.RootElement, At("m6"));
        var node = new JsonObject { ["plan"] = "basic" };
        analytics.Track("user-3", "Signed Up", node, At("m7"));
        node["plan"] = "changed after the call";
        // No event name, no identifier: rejected.
        analytics.Track("user-4", " ", new Dictionary<string, object?>(), At("m8"));
        analytics.Track(null, "Anonymous", new Dictionary<string, object?> { ["a"] = 1 }, At("m9"));
    }

    private static async Task<(List<string> Requests, List<string> Outcomes)> RunAsync(MappingThread mode)
    {
        await using var h = new Harness(o => o.MappingThread = mode);
        Calls(h.Analytics);
        await h.FlushAsync();
        var requests = h.Sender.Requests.Select(r => r.Path + " " + r.Body.ToJsonString()).Order(StringComparer.Ordinal).ToList();
        var outcomes = h.Outcomes.Select(o => $"{o.MessageId} {o.Kind} {o.Status} {o.Field} {o.Reason}").Order(StringComparer.Ordinal).ToList();
        return (requests, outcomes);
    }

    [Fact]
    public async Task Background_mapping_sends_the_same_requests_and_rejects_the_same_input_with_the_same_reasons()
    {
        var caller = await RunAsync(MappingThread.Caller);
        var background = await RunAsync(MappingThread.Background);
        Assert.Equal(caller.Requests, background.Requests);
        Assert.Equal(caller.Outcomes, background.Outcomes);
        // The run covers what it claims: good messages of every shape delivered, bad ones rejected with reasons.
        Assert.Contains(background.Requests, r => r.Contains("Ordered Product", StringComparison.Ordinal));
        Assert.Contains(background.Requests, r => r.Contains("\"first_name\":\"Cy\"", StringComparison.Ordinal));
        Assert.Contains(background.Requests, r => r.Contains("\"plan\":\"basic\"", StringComparison.Ordinal));
        Assert.DoesNotContain(background.Requests, r => r.Contains("changed after the call", StringComparison.Ordinal));
        foreach (var id in new[] { "m5", "m8", "m9" })
            Assert.Contains(background.Outcomes, o => o.StartsWith(id + " ", StringComparison.Ordinal) && o.Contains(" Rejected ", StringComparison.Ordinal));
        Assert.Contains(background.Outcomes, o => o.StartsWith("m2 ", StringComparison.Ordinal) && o.Contains("products[1]", StringComparison.Ordinal));
    }

    /// <summary>
    /// Holds the mapping task while it logs the rejection of a first message (id <c>hold-me</c>) until released. The
    /// log, not the outcome callback: callbacks are serialized, so a held callback would also hold the callers' refusals.
    /// </summary>
    private sealed class HeldMapper : IAsyncDisposable, ILoggerProvider, ILogger
    {
        public HeldMapper(Action<KlaviyoDestinationOptions>? configure = null)
        {
            var options = new KlaviyoDestinationOptions
            {
                QueueStorage = QueueStorage.Memory, ApiKey = "pk_test_secret_123", MappingThread = MappingThread.Background,
                RetryBaseDelay = TimeSpan.Zero, MaxRetryDelay = TimeSpan.Zero,
            };
            configure?.Invoke(options);
            options.OnOutcome = Outcomes.Enqueue;
            var loggers = new LoggerFactory();
            loggers.AddProvider(this);
            Analytics = new Analytics(options, sender: Sender, loggerFactory: loggers);
        }

        ILogger ILoggerProvider.CreateLogger(string categoryName) => this;

        void IDisposable.Dispose()
        {
        }

        IDisposable? ILogger.BeginScope<TState>(TState state) => null;

        bool ILogger.IsEnabled(LogLevel logLevel) => true;

        void ILogger.Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!formatter(state, exception).Contains("hold-me", StringComparison.Ordinal)) return;
            Entered.TrySetResult();
            Release.Wait(TimeSpan.FromSeconds(30));
        }

        public CapturingSender Sender { get; } = new();

        public System.Collections.Concurrent.ConcurrentQueue<DeliveryOutcome> Outcomes { get; } = new();

        public Analytics Analytics { get; }

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ManualResetEventSlim Release { get; } = new();

        /// <summary>A message without an event name: its rejection is reported on the mapping task, which then waits.</summary>
        public async Task HoldAsync()
        {
            Analytics.Track("held", " ", new Dictionary<string, object?>(), new MessageOptions { MessageId = "hold-me" });
            await Entered.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }

        public async ValueTask DisposeAsync()
        {
            Release.Set();
            await Analytics.DisposeAsync();
            Release.Dispose();
        }
    }

    [Fact]
    public async Task The_call_returns_before_mapping_and_FlushAsync_waits_for_every_message_handed_over_before_it()
    {
        await using var held = new HeldMapper();
        await held.HoldAsync();
        for (var i = 0; i < 3; i++)
            held.Analytics.Track($"user-{i}", "Signed Up", new Dictionary<string, object?> { ["n"] = i });
        // The calls returned while the mapping task is held: nothing of theirs is queued yet (pending: them and the held one).
        Assert.Equal(4, held.Analytics.Destination.Pending);
        Assert.Empty(held.Sender.Requests);

        var flush = held.Analytics.FlushAsync();
        Assert.False(flush.IsCompleted);
        held.Release.Set();
        await flush.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(3, held.Sender.Events().Count);
        Assert.Equal(3, held.Outcomes.Count(o => o.Status == DeliveryStatus.Delivered));
        Assert.Equal(0, held.Analytics.Destination.Pending);
    }

    [Fact]
    public async Task Disposal_maps_and_delivers_what_was_handed_over()
    {
        var h = new Harness(o => o.MappingThread = MappingThread.Background);
        for (var i = 0; i < 500; i++)
            h.Analytics.Track($"user-{i}", "Signed Up", new Dictionary<string, object?> { ["n"] = i });
        await h.DisposeAsync();
        Assert.Equal(500, h.Sender.Events().Count);
        Assert.Equal(500, h.Outcomes.Count(o => o.Status == DeliveryStatus.Delivered));
    }

    [Fact]
    public async Task Messages_the_shutdown_timeout_leaves_unmapped_are_refused_with_a_reason()
    {
        var held = new HeldMapper(o => o.ShutdownTimeout = TimeSpan.Zero);
        await held.HoldAsync();
        held.Analytics.Track("user-1", "Signed Up", new Dictionary<string, object?>(), new MessageOptions { MessageId = "late-1" });
        held.Analytics.Track("user-2", "Signed Up", new Dictionary<string, object?>(), new MessageOptions { MessageId = "late-2" });
        var disposing = held.Analytics.DisposeAsync().AsTask();
        held.Release.Set();
        await disposing.WaitAsync(TimeSpan.FromSeconds(30));
        foreach (var id in new[] { "late-1", "late-2" })
        {
            var outcome = Assert.Single(held.Outcomes, o => o.MessageId == id);
            Assert.Equal(DeliveryStatus.Rejected, outcome.Status);
            Assert.Contains("before the message was mapped", outcome.Reason, StringComparison.Ordinal);
        }
        Assert.Empty(held.Sender.Requests);
        held.Release.Dispose();
    }

    [Fact]
    public async Task A_full_mapping_backlog_refuses_the_call_with_a_reason()
    {
        await using var held = new HeldMapper(o => o.QueueCapacity = 2);
        await held.HoldAsync();
        for (var i = 0; i < 4; i++)
            held.Analytics.Track($"user-{i}", "Signed Up", new Dictionary<string, object?>(), new MessageOptions { MessageId = $"m{i}" });
        var refused = held.Outcomes.Where(o => o.Status == DeliveryStatus.Rejected && o.MessageId != "hold-me").ToList();
        Assert.Equal(["m2", "m3"], refused.Select(o => o.MessageId));
        Assert.All(refused, o => Assert.Contains("waiting to be mapped", o.Reason, StringComparison.Ordinal));
        held.Release.Set();
        await held.Analytics.FlushAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(2, held.Sender.Events().Count);
    }

    [Fact]
    public void An_unknown_mapping_thread_fails_fast_with_the_choices()
    {
        var options = new KlaviyoDestinationOptions { QueueStorage = QueueStorage.Memory, ApiKey = "pk_test_secret_123", MappingThread = (MappingThread)7 };
        var ex = Assert.Throws<KlaviyoConfigurationException>(options.Validate);
        Assert.Contains("MappingThread", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Caller, Background", ex.Message, StringComparison.Ordinal);
    }
}
