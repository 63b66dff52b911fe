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

    private async Task DeliverAsync(Batch batch, CancellationToken token)
    {
        // Loaded after a restart with a retry pending: wait for the persisted next-attempt time first (at most
        // MaxRetryDelay: a restart is a fair moment to try again, and a long Retry-After may be long over).
        DateTimeOffset? notBefore = null;
        foreach (var item in batch.Items)
        {
            if (item.Item.NotBefore is { } at && (notBefore is null || at > notBefore)) notBefore = at;
            item.Item.NotBefore = null;
        }
        if (notBefore is { } until && until - _time.GetUtcNow() is { Ticks: > 0 } wait)
            await Task.Delay(wait < _options.MaxRetryDelay ? wait : _options.MaxRetryDelay, _time, token).ConfigureAwait(false);
        var work = new Stack<Batch>();
        work.Push(batch);
        while (work.TryPop(out var current))
        {
            while (current is not null)
            {
                current = await SendOnceAsync(current, work, token).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Sends a batch once and settles what can be settled; returns what must be sent next (or null).</summary>
    private async Task<Batch?> SendOnceAsync(Batch batch, Stack<Batch> work, CancellationToken token, bool probing = false)
    {
        // Paused (key refused, Klaviyo down): nothing is sent until the gate's probe finds Klaviyo answering again;
        // items that reach MaxItemAge meanwhile are given up (dead letters), however long the pause.
        var kind = batch.Items[0].Kind;
        if (probing)
        {
            while (!_gate.MaySend()) await _gate.WhenRunningAsync(token).ConfigureAwait(false);
        }
        else if (await WaitWhilePausedAsync(batch, kind, token).ConfigureAwait(false) is { } ready) batch = ready;
        else return null;
        foreach (var item in batch.Items) item.Item.Attempts++;
        var endpoint = KlaviyoTransport.Name(batch.Endpoint);
        BatchResult result;
        KlaviyoTelemetry.Producers = batch.Items;   // the request spans link to the calls that produced the items
        try
        {
            result = await _sender.SendAsync(batch, token).ConfigureAwait(false);
        }
        finally
        {
            KlaviyoTelemetry.Producers = null;
        }
        // A bisection probe's failure says something about the items in it, not about Klaviyo: when every part fails,
        // the re-joined batch's own retries are what count towards an outage.
        var state = probing && result.StatusCode is 0 or >= 500 ? _gate.State : _gate.Observe(result.StatusCode, result.Reason);
        if (result.Verdict != BatchVerdict.Delivered && PauseKeeps(state, result))
            return await KeepWhilePausedAsync(batch, kind, result, token).ConfigureAwait(false);
        // A 429 is Klaviyo pacing everyone, never this item's fault: it waits (Retry-After) without spending an attempt.
        if (result.Verdict == BatchVerdict.Retry && result.StatusCode == 429)
            foreach (var item in batch.Items) item.Item.Attempts--;
        switch (result.Verdict)
        {
            case BatchVerdict.Delivered:
            {
                var rejected = new HashSet<int>();
                foreach (var rejection in result.Rejections)
                    if (rejected.Add(rejection.Index)) Finish(batch.Items[rejection.Index], DeliveryStatus.Rejected, rejection.Reason, rejection.Field);
                var settled = new HashSet<int>(rejected);
                foreach (var skip in result.Skips)
                    if (settled.Add(skip.Index)) Finish(batch.Items[skip.Index], DeliveryStatus.Skipped, skip.Reason, skip.Field);
                for (var i = 0; i < batch.Count; i++)
                    if (!settled.Contains(i)) Finish(batch.Items[i], DeliveryStatus.Delivered, null, null);
                _metrics.ItemsDelivered(endpoint, batch.Count - settled.Count);
                if (rejected.Count > 0) _metrics.ItemsRejected(endpoint, rejected.Count);
                return null;
            }
            case BatchVerdict.Retry:
            {
                if (probing)
                {
                    // A bisection probe: its send is not an attempt of the items; the caller decides what failed.
                    foreach (var item in batch.Items) item.Item.Attempts--;
                    batch.ProbeFailure = result;
                    return null;
                }
                batch.ServerErrors = result.StatusCode >= 500 ? batch.ServerErrors + 1 : 0;
                if (batch.Count > 1 && batch.ServerErrors >= PoisonSplitAfter)
                {
                    // A batch that keeps failing with 5xx may hold one item Klaviyo cannot take: find it by halving.
                    var (suspect, answer) = await IsolateAsync(batch, result, work, token).ConfigureAwait(false);
                    if (suspect is null) return null;
                    batch = suspect;
                    result = answer;
                    endpoint = KlaviyoTransport.Name(batch.Endpoint);
                }
                _metrics.Retry(endpoint, batch.Count);
                var now = _time.GetUtcNow();
                var remaining = new List<PendingItem>(batch.Count);
                var attempts = 0;
                foreach (var item in batch.Items)
                {
                    var age = now - item.FirstSeen;
                    if (item.Item.Attempts >= _options.MaxAttempts || age >= _options.MaxItemAge)
                    {
                        Finish(item, DeliveryStatus.Expired, $"Gave up after {item.Item.Attempts} attempts over {age.TotalSeconds:0.#} s; last answer: {result.Reason}", result.Field, deadLetter: true);
                        continue;
                    }
                    remaining.Add(item);
                    attempts = Math.Max(attempts, item.Item.Attempts);
                }
                if (remaining.Count == 0) return null;
                var delay = RetryDelay(attempts, result.RetryAfter);
                Log.Retrying(_logger, batch.ToString(), delay, attempts, result.Reason);
                foreach (var item in remaining)
                {
                    item.Item.NotBefore = now + delay;
                    await _queue.RecordRetryAsync(item.Item, token).ConfigureAwait(false);
                }
                await Task.Delay(delay, _time, token).ConfigureAwait(false);
                if (remaining.Count == batch.Count) return batch;
                var next = Batch.For(kind, remaining);
                next.ServerErrors = batch.ServerErrors;
                return next;
            }
            default:
            {
                if (result.Rejections.Count > 0)
                {
                    var rejected = new HashSet<int>();
                    foreach (var rejection in result.Rejections)
                        if (rejected.Add(rejection.Index)) Finish(batch.Items[rejection.Index], DeliveryStatus.Rejected, rejection.Reason, rejection.Field);
                    _metrics.ItemsRejected(endpoint, rejected.Count);
                    var rest = new List<PendingItem>(batch.Count - rejected.Count);
                    for (var i = 0; i < batch.Count; i++)
                    {
                        if (rejected.Contains(i)) continue;
                        batch.Items[i].Item.Attempts--; // refused because of another item: not an attempt of its own
                        rest.Add(batch.Items[i]);
                    }
                    return rest.Count == 0 ? null : Batch.For(kind, rest);
                }
                if (batch.Count > 1 && result.Splittable)
                {
                    // No pointer names the culprit: halve until it stands alone (order kept: first half first).
                    foreach (var item in batch.Items) item.Item.Attempts--;
                    var half = batch.Count / 2;
                    work.Push(Batch.For(kind, batch.Items.GetRange(half, batch.Count - half)));
                    work.Push(Batch.For(kind, batch.Items.GetRange(0, half)));
                    return null;
                }
                foreach (var item in batch.Items) Finish(item, DeliveryStatus.Rejected, result.Reason, result.Field);
                _metrics.ItemsRejected(endpoint, batch.Count);
                return null;
            }
        }
    }

    /// <summary>A refused key (401/403) or a failure while Klaviyo is down: the batch waits for the gate, it is not given up.</summary>
    private static bool PauseKeeps(DeliveryState state, BatchResult result) => state switch
    {
        DeliveryState.CredentialsRefused => result.StatusCode is 401 or 403 || result.Verdict == BatchVerdict.Retry,
        DeliveryState.KlaviyoUnavailable => result.Verdict == BatchVerdict.Retry,
        _ => false,
    };

    /// <summary>
    /// Keeps a batch through a pause: the attempt does not count, and only items older than
    /// <see cref="KlaviyoDestinationOptions.MaxItemAge"/> are given up (dead letters). The rest is sent again once the gate opens.
    /// </summary>
    private async Task<Batch?> KeepWhilePausedAsync(Batch batch, ItemKind kind, BatchResult result, CancellationToken token)
    {
        var now = _time.GetUtcNow();
        var remaining = new List<PendingItem>(batch.Count);
        foreach (var item in batch.Items)
        {
            item.Item.Attempts--;
            var age = now - item.FirstSeen;
            if (age >= _options.MaxItemAge)
                Finish(item, DeliveryStatus.Expired, $"Kept {age.TotalHours:0.#} h while delivery was paused, past MaxItemAge; last answer: {result.Reason}", result.Field, deadLetter: true);
            else remaining.Add(item);
        }
        if (remaining.Count == 0) return null;
        _metrics.Retry(KlaviyoTransport.Name(batch.Endpoint), remaining.Count);
        foreach (var item in remaining) await _queue.RecordRetryAsync(item.Item, token).ConfigureAwait(false);
        return remaining.Count == batch.Count ? batch : Batch.For(kind, remaining);
    }

    /// <summary>
    /// Waits until the gate lets requests through; while it is paused, items that reach
    /// <see cref="KlaviyoDestinationOptions.MaxItemAge"/> are given up as dead letters. Returns what is left to send, or null.
    /// </summary>
    private async Task<Batch?> WaitWhilePausedAsync(Batch batch, ItemKind kind, CancellationToken token)
    {
        while (true)
        {
            // Running, or (a user-supplied sender) this batch is the trial that tells whether the sender works again.
            if (_gate.MaySend()) return batch;
            var running = _gate.WhenRunningAsync(token);
            if (running.IsCompleted)
            {
                await running.ConfigureAwait(false);
                continue;
            }
            var oldest = batch.Items.Min(i => i.FirstSeen);
            var wait = oldest + _options.MaxItemAge - _time.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                using var stopWaiting = CancellationTokenSource.CreateLinkedTokenSource(token);
                var expiry = Task.Delay(wait, _time, stopWaiting.Token);
                var first = await Task.WhenAny(running, expiry).ConfigureAwait(false);
                await stopWaiting.CancelAsync().ConfigureAwait(false);
                if (first == running)
                {
                    await running.ConfigureAwait(false);
                    continue;
                }
                token.ThrowIfCancellationRequested();
            }
            var now = _time.GetUtcNow();
            var remaining = new List<PendingItem>(batch.Count);
            foreach (var item in batch.Items)
            {
                var age = now - item.FirstSeen;
                if (age >= _options.MaxItemAge)
                    Finish(item, DeliveryStatus.Expired, $"Kept {age.TotalHours:0.#} h while delivery was paused ({_gate.State}: {_gate.Reason}), past MaxItemAge.", null, deadLetter: true);
                else remaining.Add(item);
            }
            if (remaining.Count == 0) return null;
            if (remaining.Count != batch.Count) batch = Batch.For(kind, remaining);
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
