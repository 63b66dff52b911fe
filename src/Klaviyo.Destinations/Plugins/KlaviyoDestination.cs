using Klaviyo.Destinations.Rules;
using Microsoft.Extensions.Logging;

namespace Klaviyo.Destinations;

/// <summary>
/// The Klaviyo destination plugin: maps each message with the Klaviyo rules on the caller's thread (so bad input is
/// rejected at once, with a reason) or, with <see cref="MappingThread.Background"/>, on one background task; queues the resulting items and delivers them in the background: batched into
/// Klaviyo's bulk jobs, paced by the endpoints' rate tiers, in order per person (see <c>docs/delivery.md</c>).
/// <see cref="FlushAsync"/> sends pending batches at once, whatever the flush policy.
/// </summary>
public sealed class KlaviyoDestination : IDestinationPlugin
{
    private readonly MessageMapper _mapper;
    private readonly IEventQueue _queue;
    private readonly OutcomeReporter _reporter;
    private readonly DeliveryPipeline _pipeline;
    private readonly KlaviyoMetrics _metrics;
    private readonly KlaviyoDestinationOptions _options;
    private readonly BackgroundMapper? _background;
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
        metrics.ObserveQueue(queue, time);
        _pipeline = new DeliveryPipeline(queue, batches, _reporter, options, time, logger, metrics, Gate);
        queue.ItemDropped += OnDropped;
        Log.Started(logger, options);
        RevisionCheck.WarnIfStale(options.Revision, time.GetUtcNow(), logger);
        _pipeline.Start();
        if (options.MappingThread == MappingThread.Background)
            _background = new BackgroundMapper(options.QueueCapacity, (message, mapped, producer) => Enqueue(mapped ?? _mapper.Map(message), null, producer), Refuse, logger);
    }

    /// <inheritdoc />
    public PluginType Type => PluginType.Destination;

    /// <summary>
    /// Items accepted and not yet finished, including those a durable queue kept from an earlier run, plus the messages
    /// still waiting to be mapped with <see cref="MappingThread.Background"/>.
    /// </summary>
    public int Pending => (int)Math.Min(int.MaxValue, _queue.Backlog.Unfinished + (_background?.Waiting ?? 0));

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

    /// <summary>The queue this destination delivers from (the built-in ones or your own).</summary>
    internal IEventQueue Queue => _queue;

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
        if (_background is null) Accept(message, null);
        else _background.HandOver(message, BackgroundMapper.CanDefer(message) ? null : _mapper.Map(message));
        return message;
    }

    /// <summary>
    /// Maps and queues <paramref name="message"/> like <see cref="Execute"/>, then waits until its items are safe in the
    /// queue (on disk for a durable queue). True when every part was accepted and kept; false when a part was rejected or
    /// refused (its outcome says why).
    /// </summary>
    public async ValueTask<bool> ExecuteDurablyAsync(AnalyticsMessage message, CancellationToken cancellationToken)
    {
        // With MappingThread.Background the messages handed over earlier are queued first (call order per person).
        if (_background is not null) await _background.WhenMappedSoFar(cancellationToken).ConfigureAwait(false);
        var accepted = new List<QueuedItem>(2);
        var all = Accept(message, accepted);
        foreach (var item in accepted)
            if (!await _queue.WhenDurableAsync(item, cancellationToken).ConfigureAwait(false)) all = false;
        return all;
    }

    private bool Accept(AnalyticsMessage message, List<QueuedItem>? accepted) => Enqueue(_mapper.Map(message), accepted, KlaviyoTelemetry.CaptureProducer());

    private void Refuse(AnalyticsMessage message, string reason) =>
        _reporter.Report(new DeliveryOutcome(message.MessageId, ItemKind.Message, DeliveryStatus.Rejected, reason, null, null, message.UserId, []));

    private bool Enqueue(MappingResult result, List<QueuedItem>? accepted, System.Diagnostics.ActivityContext producer)
    {
        var all = true;
        foreach (var rejection in result.Rejections)
        {
            if (rejection.Status != DeliveryStatus.Skipped) all = false;
            _reporter.Report(rejection);
        }
        foreach (var item in result.Items)
        {
            item.TraceContext = producer;
            var enqueued = _queue.Enqueue(item);
            if (enqueued.Accepted)
            {
                accepted?.Add(item);
                continue;
            }
            all = false;
            _reporter.Report(new DeliveryOutcome(item.MessageId, item.Kind, DeliveryStatus.Rejected, enqueued.Reason, null, item.UniqueId, item.UserId, item.Warnings));
        }
        return all;
    }

    /// <summary>An item the queue accepted but will not deliver (disk write failed, or dropped to stay within the disk budget).</summary>
    private void OnDropped(object? sender, QueueItemDroppedEventArgs dropped)
    {
        var item = dropped.Item;
        _reporter.Report(new DeliveryOutcome(item.MessageId, item.Kind, DeliveryStatus.Rejected, dropped.Reason, null, item.UniqueId, item.UserId, item.Warnings));
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
        // With MappingThread.Background, the messages handed over before this call are mapped and queued first.
        if (_background?.WhenMappedSoFar(cancellationToken) is { IsCompletedSuccessfully: false } mapping) return FlushAfterAsync(mapping, cancellationToken);
        return FlushQueued(cancellationToken);
    }

    private async Task FlushAfterAsync(Task mapping, CancellationToken cancellationToken)
    {
        await mapping.ConfigureAwait(false);
        await FlushQueued(cancellationToken).ConfigureAwait(false);
    }

    private Task FlushQueued(CancellationToken cancellationToken)
    {
        // The queue's sequence is the flush ticket: every item up to the last one accepted, whoever accepted it.
        var target = _queue.Backlog.LastSequence;
        _pipeline.RequestFlush(target);
        var all = _queue.WhenFinishedAsync(target, cancellationToken);
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
        _background?.Complete();
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
        // Messages the shutdown timeout left unmapped are refused with a reason, not mapped into a closing queue.
        if (_background is not null) await _background.StopAsync().ConfigureAwait(false);
        await _pipeline.DisposeAsync().ConfigureAwait(false);
        await Gate.DisposeAsync().ConfigureAwait(false);
        await _queue.DisposeAsync().ConfigureAwait(false);
        _metrics.Dispose();
    }
}
