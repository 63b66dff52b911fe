using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Klaviyo.Destinations;

/// <summary>
/// The background side. One dispatcher takes items from the queue into the <see cref="Batcher"/> (one lane per
/// person), forms batches when a flush policy says so (count, bytes, interval, or a forced flush) and runs up to
/// <see cref="KlaviyoDestinationOptions.MaxConcurrentBatches"/> of them at once; each endpoint's
/// <see cref="TokenBucket"/> paces the requests. A batch task retries what Klaviyo asks to retry (429, 5xx, timeouts,
/// connection failures) with jittered exponential backoff honouring Retry-After, rejects exactly the items Klaviyo's
/// error pointers name and re-sends the rest, and reports one outcome per item. A person's next items leave only
/// after their batch has final outcomes, which keeps per-user order.
/// <para>
/// With a durable queue (<see cref="IEventQueue.IsDurable"/>): a retry records the attempts and the next attempt time
/// in the queue, an item loaded after a restart waits until that time before its first send, items past the attempt
/// or age caps become dead letters, and items still undelivered at shutdown stay in the queue without an outcome.
/// </para>
/// </summary>
internal sealed partial class DeliveryPipeline : IAsyncDisposable
{
    private const string SupersededReason = "Replaced by a later audience update of the same person and list before it was sent (audience updates are netted per flush window; the last one wins).";
    private const string ShutdownReason = "Analytics was disposed before this item could be delivered (see ShutdownTimeout).";

    private readonly IEventQueue _queue;
    private readonly IBatchSender _sender;
    private readonly OutcomeReporter _reporter;
    private readonly KlaviyoDestinationOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly KlaviyoMetrics _metrics;
    private readonly Batcher _batcher;
    private readonly AsyncSignal _signal = new();
    private readonly ConcurrentQueue<Batch> _finished = new();
    private readonly ConcurrentDictionary<PendingItem, string> _deadLetters = new();
    private readonly HashSet<Task> _running = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly ITimer _timer;
    private readonly int _maxHeld;
    private long _forceUntil = -1;
    private Task? _worker;

    private readonly DeliveryGate _gate;

    public DeliveryPipeline(IEventQueue queue, IBatchSender sender, OutcomeReporter reporter,
        KlaviyoDestinationOptions options, TimeProvider time, ILogger logger, KlaviyoMetrics metrics, DeliveryGate gate)
    {
        _gate = gate;
        _queue = queue;
        _sender = sender;
        _reporter = reporter;
        _options = options;
        _time = time;
        _logger = logger;
        _metrics = metrics;
        _batcher = new Batcher(BatchPolicy.From(options, sender.SupportsBulk), BatchPolicy.ForAudiences(options, sender.SupportsBulk));
        // Enough items held to fill the concurrent batches completely, and never fewer than one full profile job.
        _maxHeld = Math.Max(BatchComposer.MaxProfilesPerJob * 2, BatchComposer.MaxEventsPerJob * options.MaxConcurrentBatches * 2);
        _timer = time.CreateTimer(static s => ((AsyncSignal)s!).Set(), _signal, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public void Start() => _worker ??= KlaviyoTelemetry.RunDetached(RunAsync);

    /// <summary>Makes every item up to sequence <paramref name="target"/> due now, whatever the flush policy (FlushAsync, dispose).</summary>
    public void RequestFlush(long target)
    {
        long current;
        while ((current = Interlocked.Read(ref _forceUntil)) < target && Interlocked.CompareExchange(ref _forceUntil, target, current) != current)
        {
        }
        _signal.Set();
    }

    private async Task RunAsync()
    {
        var token = _stop.Token;
        Task<bool>? queueWait = null;
        var queueOpen = true;
        var inFlight = 0;
        try
        {
            while (true)
            {
                _signal.Reset();
                var now = _time.GetUtcNow();
                while (_finished.TryDequeue(out var done))
                {
                    _batcher.Release(done, now);
                    inFlight--;
                }
                lock (_running)
                    if (_running.Count > 2 * _options.MaxConcurrentBatches) _running.RemoveWhere(t => t.IsCompleted);
                while (_batcher.Pending < _maxHeld && _queue.TryDequeue(out var item))
                {
                    if (_batcher.Add(PendingItem.Create(item, item.FirstTakenAt ??= now), now) is not { } superseded) continue;
                    Finish(superseded, DeliveryStatus.Skipped, SupersededReason, null);
                    await _queue.CompleteAsync(superseded.Item, CancellationToken.None).ConfigureAwait(false);
                }

                var force = Interlocked.Read(ref _forceUntil) >= _queue.Backlog.LowestUnfinished;
                var slots = _options.MaxConcurrentBatches - inFlight;
                if (slots > 0)
                {
                    foreach (var batch in _batcher.TakeDue(now, force, slots))
                    {
                        inFlight++;
                        var task = RunBatchAsync(batch, token);
                        lock (_running) _running.Add(task);
                    }
                }
                var due = inFlight < _options.MaxConcurrentBatches ? _batcher.NextDue : null;
                _timer.Change(due is { } at ? Max(at - now, TimeSpan.FromMilliseconds(1)) : Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

                if (!queueOpen && _batcher.Pending == 0 && inFlight == 0 && _queue.Count == 0) break;
                if (queueWait is null && queueOpen && _batcher.Pending < _maxHeld)
                    queueWait = _queue.WaitToReadAsync(token).AsTask();
                var signal = _signal.WaitAsync();
                if (queueWait is null) await signal.WaitAsync(token).ConfigureAwait(false);
                else await Task.WhenAny(signal, queueWait).ConfigureAwait(false);
                if (queueWait is { IsCompleted: true })
                {
                    queueOpen = await queueWait.ConfigureAwait(false);
                    queueWait = null;
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private async Task RunBatchAsync(Batch batch, CancellationToken token)
    {
        await Task.Yield();
        try
        {
            await DeliverAsync(batch, token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Shutdown: a durable queue keeps what is not finished for the next run; the in-memory queue cannot.
            if (!_queue.IsDurable)
            {
                var reason = _gate.State == DeliveryState.Running ? ShutdownReason : $"{ShutdownReason} Delivery was paused ({_gate.State}): {_gate.Reason}";
                foreach (var item in batch.Items) Finish(item, DeliveryStatus.Expired, reason, null);
            }
        }
        catch (Exception ex)
        {
            Log.BatchFailed(_logger, ex, batch.ToString());
            foreach (var item in batch.Items) Finish(item, DeliveryStatus.Expired, $"Delivery failed unexpectedly: {ex.GetType().Name}: {ex.Message}", null, deadLetter: true);
        }
        finally
        {
            // Finished items leave the queue (or become dead letters); unfinished ones (durable shutdown) stay.
            foreach (var item in batch.Items)
            {
                if (!item.IsFinished) continue;
                if (_deadLetters.TryRemove(item, out var deadLetterReason))
                    await _queue.DeadLetterAsync(item.Item, deadLetterReason, CancellationToken.None).ConfigureAwait(false);
                else
                    await _queue.CompleteAsync(item.Item, CancellationToken.None).ConfigureAwait(false);
            }
            _finished.Enqueue(batch);
            _signal.Set();
        }
    }

    /// <summary>Full-jitter exponential backoff, at least what Klaviyo asked for.</summary>
    internal TimeSpan RetryDelay(int attempt, TimeSpan? retryAfter)
    {
        var ceiling = Math.Min(_options.MaxRetryDelay.TotalMilliseconds, _options.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(Math.Max(attempt, 1) - 1, 30)));
        var jittered = TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * ceiling);
        return retryAfter is { } asked && asked > jittered ? asked : jittered;
    }

    private void Finish(PendingItem item, DeliveryStatus status, string? reason, string? field, bool deadLetter = false)
    {
        if (!item.TryFinish()) return;
        if (deadLetter) _deadLetters[item] = reason ?? "Gave up.";
        var outcome = new DeliveryOutcome(item.Item.MessageId, item.Kind, status, reason, field, item.Item.UniqueId, item.Item.UserId, item.Item.Warnings);
        _metrics.Finished(status, _time.GetUtcNow() - item.FirstSeen);
        _reporter.Report(outcome);
    }

    /// <summary>
    /// Stops the dispatcher and the batches in flight. Items not delivered are reported as expired when the queue is in
    /// memory; a durable queue keeps them (no outcome) for the next run.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Close();
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_worker is not null)
        {
            try { await _worker.ConfigureAwait(false); }
            catch (OperationCanceledException) { }
        }
        Task[] running;
        lock (_running) running = _running.ToArray();
        await Task.WhenAll(running).ConfigureAwait(false);
        var held = _batcher.DrainAll();
        if (_queue.IsDurable)
        {
            await _timer.DisposeAsync().ConfigureAwait(false);
            _stop.Dispose();
            return;
        }
        var reason = _gate.State == DeliveryState.Running ? ShutdownReason : $"{ShutdownReason} Delivery was paused ({_gate.State}): {_gate.Reason}";
        foreach (var item in held)
        {
            Finish(item, DeliveryStatus.Expired, reason, null);
            await _queue.CompleteAsync(item.Item, CancellationToken.None).ConfigureAwait(false);
        }
        while (_queue.TryDequeue(out var left))
        {
            _reporter.Report(new DeliveryOutcome(left.MessageId, left.Kind, DeliveryStatus.Expired, reason, null, left.UniqueId, left.UserId, left.Warnings));
            await _queue.CompleteAsync(left, CancellationToken.None).ConfigureAwait(false);
        }
        await _timer.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }
}
