using Klaviyo.Destinations.Rules;
using Microsoft.Extensions.Logging;

namespace Klaviyo.Destinations;

/// <summary>
/// The Klaviyo destination plugin: maps each message with the Klaviyo rules on the caller's thread (so bad input is
/// rejected at once, with a reason), queues the resulting items and delivers them in the background: batched into
/// Klaviyo's bulk jobs, paced by the endpoints' rate tiers, in order per person (see <c>docs/delivery.md</c>).
/// <see cref="FlushAsync"/> sends pending batches at once, whatever the flush policy.
/// </summary>
public sealed class KlaviyoDestination : IDestinationPlugin
{
    private readonly MessageMapper _mapper;
    private readonly IEventQueue _queue;
    private readonly OutcomeReporter _reporter;
    private readonly FlushTracker _tracker = new();
    private readonly DeliveryPipeline _pipeline;
    private readonly KlaviyoMetrics _metrics;
    private readonly KlaviyoDestinationOptions _options;
    private readonly IQueueFeedback? _feedback;
    private readonly ILogger _logger;
    private int _disposed;

    internal KlaviyoDestination(KlaviyoDestinationOptions options, IKlaviyoSender sender, IEventQueue queue, TimeProvider time, ILoggerFactory loggers, KlaviyoMetrics metrics)
    {
        _options = options;
        _mapper = new MessageMapper(options, time);
        _queue = queue;
        _metrics = metrics;
        var logger = _logger = loggers.CreateLogger("Klaviyo.Destinations");
        _reporter = new OutcomeReporter(options.OnOutcome, logger, metrics);
        IBatchSender batches = sender is KlaviyoHttpSender http
            ? new HttpBatchSender(http.Transport, options, time, logger)
            : new SingleItemBatchSender(sender);
        Transport = (sender as KlaviyoHttpSender)?.Transport;
        Gate = new DeliveryGate(Transport is { } transport ? ct => KeyCheck.SendAsync(transport, ct) : null, options.RetryBaseDelay, options.PausedProbeInterval, time, logger);
        metrics.ObserveGate(Gate);
        _pipeline = new DeliveryPipeline(queue, batches, _reporter, _tracker, options, time, logger, metrics, Gate);
        if (queue is IQueueFeedback feedback)
        {
            feedback.Dropped = OnDropped;
            _feedback = feedback;
        }
        Log.Started(logger, options);
        RevisionCheck.WarnIfStale(options.Revision, time.GetUtcNow(), logger);
        _pipeline.Start();
    }

    /// <inheritdoc />
    public PluginType Type => PluginType.Destination;

    /// <summary>Items accepted and not yet finished, including those a durable queue kept from an earlier run.</summary>
    public int Pending => (int)Math.Min(int.MaxValue, _tracker.OpenCount + (_feedback?.ReloadedLeft ?? 0));

    /// <summary>Whether accepted items survive a crash (the queue is durable, see <c>docs/durability.md</c>).</summary>
    public bool IsDurable => _queue.IsDurable;

    /// <summary>
    /// Whether delivery runs or is paused because Klaviyo refuses the key or is down; paused delivery keeps every item
    /// and resumes by itself (see <see cref="DeliveryState"/>).
    /// </summary>
    public DeliveryState State => Gate.State;

    /// <summary>Klaviyo's answer that paused delivery, while <see cref="State"/> is not <see cref="DeliveryState.Running"/>.</summary>
    public string? PauseReason => Gate.Reason;

    /// <summary>Since when delivery is paused, while it is.</summary>
    public DateTimeOffset? PausedSince => Gate.PausedSince;

    /// <summary>The durable queue, when this destination uses the built-in one (disk budget, dead letters).</summary>
    public SqliteEventQueue? DurableQueue => _queue as SqliteEventQueue;

    internal DeliveryGate Gate { get; }

    internal KlaviyoTransport? Transport { get; }

    /// <summary>What stops following configuration changes (<c>AddKlaviyoDestinations</c>), disposed with the destination.</summary>
    internal IDisposable? ConfigurationWatch { get; set; }

    /// <summary>
    /// A new <c>Klaviyo:ApiKey</c> from configuration reloaded at runtime: requests use it from now on and a paused
    /// delivery asks Klaviyo again at once. Ignored when blank or unchanged, and with a user-supplied sender.
    /// </summary>
    internal void UseKey(string? apiKey)
    {
        if (Transport is null || string.IsNullOrWhiteSpace(apiKey) || Volatile.Read(ref _disposed) != 0 || !Transport.UseKey(apiKey)) return;
        DeliveryLog.KeyChanged(_logger, Gate.State);
        Gate.Recheck();
    }

    /// <inheritdoc />
    public AnalyticsMessage? Execute(AnalyticsMessage message)
    {
        Accept(message, null);
        return message;
    }

    /// <summary>
    /// Maps and queues <paramref name="message"/> like <see cref="Execute"/>, then waits until its items are safe in the
    /// queue (on disk for a durable queue). True when every part was accepted and kept; false when a part was rejected or
    /// refused (its outcome says why).
    /// </summary>
    internal async Task<bool> ExecuteDurablyAsync(AnalyticsMessage message, CancellationToken cancellationToken)
    {
        var accepted = new List<QueuedItem>(2);
        var all = Accept(message, accepted);
        foreach (var item in accepted)
            if (!await _queue.WhenDurableAsync(item, cancellationToken).ConfigureAwait(false)) all = false;
        return all;
    }

    private bool Accept(AnalyticsMessage message, List<QueuedItem>? accepted)
    {
        var result = _mapper.Map(message);
        var all = true;
        var producer = KlaviyoTelemetry.CaptureProducer();
        foreach (var rejection in result.Rejections)
        {
            if (rejection.Status != DeliveryStatus.Skipped) all = false;
            _reporter.Report(rejection);
        }
        foreach (var item in result.Items)
        {
            item.Ticket = _tracker.Open();
            item.TraceContext = producer;
            if (_queue.TryEnqueue(item))
            {
                accepted?.Add(item);
                continue;
            }
            all = false;
            _tracker.Close(item.Ticket);
            var reason = _queue is IQueueFeedback feedback
                ? feedback.DescribeRefusal(item)
                : Volatile.Read(ref _disposed) != 0
                    ? "Analytics is shutting down; the item was not accepted."
                    : $"The queue is full ({_options.QueueCapacity} items waiting); the item was refused. Raise QueueCapacity or check why delivery is slow.";
            _reporter.Report(new DeliveryOutcome(item.MessageId, item.Kind, DeliveryStatus.Rejected, reason, null, item.UniqueId, item.UserId, item.Warnings));
        }
        return all;
    }

    /// <summary>An item the queue accepted but will not deliver (disk write failed, or dropped to stay within the disk budget).</summary>
    private void OnDropped(QueuedItem item, string reason)
    {
        _reporter.Report(new DeliveryOutcome(item.MessageId, item.Kind, DeliveryStatus.Rejected, reason, null, item.UniqueId, item.UserId, item.Warnings));
        _tracker.Close(item.Ticket);
    }

    /// <summary>
    /// Sends pending batches now and completes when every item accepted before the call has an outcome. With a durable
    /// queue that includes every item stored at the time of the call: those an earlier run left, and replayed dead letters.
    /// Also completes when delivery is paused because Klaviyo refuses the key (<see cref="DeliveryState.CredentialsRefused"/>):
    /// the items are kept and delivered once the key works, and a flush at shutdown does not wait for a key to be fixed.
    /// While Klaviyo is down (<see cref="DeliveryState.KlaviyoUnavailable"/>) it waits for Klaviyo to answer: pass a
    /// token to bound it (disposal bounds it by <see cref="KlaviyoDestinationOptions.ShutdownTimeout"/>).
    /// </summary>
    public Task FlushAsync(CancellationToken cancellationToken)
    {
        _pipeline.RequestFlush();
        var accepted = _tracker.WhenAllOpenedSoFarClosed(cancellationToken);
        // Items this run did not accept (an earlier run's, replayed dead letters) have no ticket: the queue answers for them.
        var stored = _feedback?.WhenStoredItemsFinishedAsync(cancellationToken);
        var all = stored is null || stored.IsCompleted ? accepted : Task.WhenAll(accepted, stored);
        if (all.IsCompleted) return all;
        var paused = Gate.WhenCredentialsRefused;
        return paused.IsCompleted ? Task.CompletedTask : WhenAllOrPausedAsync(all, paused);
    }

    private static async Task WhenAllOrPausedAsync(Task all, Task paused)
    {
        if (await Task.WhenAny(all, paused).ConfigureAwait(false) == all) await all.ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        ConfigurationWatch?.Dispose();
        using (var drain = new CancellationTokenSource(_options.ShutdownTimeout))
        {
            try
            {
                await FlushAsync(drain.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
        await _pipeline.DisposeAsync().ConfigureAwait(false);
        await Gate.DisposeAsync().ConfigureAwait(false);
        await _queue.DisposeAsync().ConfigureAwait(false);
        _metrics.Dispose();
    }
}
