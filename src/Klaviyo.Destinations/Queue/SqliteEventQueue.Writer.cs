using Microsoft.Data.Sqlite;

namespace Klaviyo.Destinations;

/// <summary>The durable queue's group-commit writer (see <see cref="SqliteEventQueue"/>).</summary>
public sealed partial class SqliteEventQueue
{
    private static readonly TimeSpan FirstRetryPause = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxRetryPause = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The writer: one round at a time, it takes everything waiting in the hand-off (new items, changes, a replay,
    /// barriers), commits it (new items in groups of <see cref="SqliteEventQueueOptions.MaxGroupSize"/>), reads the next
    /// page for the sender, then reports drops, settles durability and publishes the watermark, in that order. It never
    /// dies: a failed round is logged and its changes are retried after a growing pause.
    /// </summary>
    private async Task WriteLoopAsync()
    {
        var backoff = TimeSpan.Zero;
        List<TaskCompletionSource>? carried = null;
        while (true)
        {
            _wake.Reset();
            (IReadOnlyCollection<long>? Ids, TaskCompletionSource<int> Done)? replay = null;
            IReadOnlyCollection<long>? replayIds = null;
            lock (_gate)
                if (_replays.TryPeek(out var next)) replay = next;
            if (replay is { } pending)
            {
                await _dbGate.WaitAsync().ConfigureAwait(false);
                try { replayIds = pending.Ids ?? _db.DeadLetterIds(); }
                finally { _dbGate.Release(); }
            }
            List<QueuedItem> inserts;
            List<QueueOp> ops;
            List<TaskCompletionSource>? barriers;
            bool stopping;
            long replayFirst = 0;
            lock (_gate)
            {
                inserts = _inserts;
                ops = _ops;
                // Swap the barrier list only when it has entries; a barrier added after this point belongs to the next round.
                barriers = _barriers.Count > 0 ? _barriers : null;
                if (barriers is not null) _barriers = new List<TaskCompletionSource>();
                _inserts = new List<QueuedItem>();
                _ops = new List<QueueOp>();
                _committingBytes = _pendingBytes;
                _pendingBytes = 0;
                _handOffCount = 0;
                stopping = _stopping;
                if (replay is not null)
                {
                    // Reserved while the hand-off is empty: every earlier sequence is in 'inserts', every later one comes after.
                    _replays.Dequeue();
                    replayFirst = _sequence + 1;
                    _sequence += replayIds!.Count;
                }
                // Until the round is published, its items count as unfinished (they are neither in the hand-off nor known stored).
                if (inserts.Count > 0) (_committingLowest, _committingLowestAt) = (inserts[0].Sequence, inserts[0].EnqueuedAt);
                else if (replay is not null && replayIds!.Count > 0) (_committingLowest, _committingLowestAt) = (replayFirst, _time.GetUtcNow());
                _committingCount = inserts.Count;
            }
            if (carried is not null)
            {
                // Barriers of a round whose changes could not be written wait for the round that writes them.
                (barriers ??= new List<TaskCompletionSource>()).InsertRange(0, carried);
                carried = null;
            }
            var worked = inserts.Count > 0 || ops.Count > 0 || replay is not null || barriers is not null;
            if (worked) RoundTaken?.Invoke();
            var reports = new List<(QueuedItem Item, string Reason)>();
            var processed = new List<(List<QueuedItem> Items, HashSet<long> Failed)>();
            var changesWritten = true;
            (long, DateTimeOffset?)? oldestStored = null;
            await _dbGate.WaitAsync().ConfigureAwait(false);
            try
            {
                for (var i = 0; i < inserts.Count || (i == 0 && ops.Count > 0); i += _options.MaxGroupSize)
                {
                    var chunk = inserts.GetRange(i, Math.Min(_options.MaxGroupSize, inserts.Count - i));
                    if (!Commit(chunk, i == 0 ? ops : [], reports, processed)) changesWritten = false;
                }
                if (replay is { } r) r.Done.TrySetResult(Replay(replayIds!, replayFirst));
                Refill();
                if (worked) oldestStored = _db.OldestItem();
            }
            catch (Exception ex)
            {
                // Never let the writer die: log, fail a pending replay, and carry on with the next round.
                QueueLog.CommitFailed(_logger, ex, Path, inserts.Count);
                replay?.Done.TrySetException(ex);
                if (ex is SqliteException sqlite && QueueDamage.IsCorruption(sqlite)) MarkDamaged(sqlite);
            }
            finally
            {
                lock (_gate) _committingBytes = 0;
                _dbGate.Release();
            }
            // Drop reports first, then durability: whoever awaits an item's durability sees the outcomes of the items
            // that round gave up.
            foreach (var (item, reason) in reports) ReportDropped(item, reason);
            foreach (var (items, failed) in processed) Settle(items, failed);
            if (worked) PublishWatermark(oldestStored is { } stored ? (stored.Item1, stored.Item2 ?? _time.GetUtcNow()) : null);
            if (!changesWritten)
            {
                // The database refused the changes (disk full, read-only, I/O error): they were put back in the hand-off.
                // Try again after a growing pause instead of spinning; new items keep being accepted up to HandOffCapacity.
                backoff = backoff == TimeSpan.Zero ? FirstRetryPause : TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxRetryPause.Ticks));
                if (stopping)
                {
                    int lost;
                    lock (_gate) lost = _ops.Count;
                    QueueLog.ChangesLostAtShutdown(_logger, Path, lost);
                    if (barriers is not null) foreach (var barrier in barriers) barrier.TrySetResult();
                    ResolveEmptyWaiters();
                    return;
                }
                carried = barriers;
                QueueLog.ChangesRetrying(_logger, Path, backoff.TotalMilliseconds);
                await Task.WhenAny(Task.Delay(backoff, _time), _stopRequested.Task).ConfigureAwait(false);
                continue;
            }
            backoff = TimeSpan.Zero;
            if (barriers is not null) foreach (var barrier in barriers) barrier.TrySetResult();
            ResolveEmptyWaiters();
            if (!worked)
            {
                if (stopping) return;
                await _wake.WaitAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Publishes the oldest stored item after a writer round (or, when the round failed before it could tell, keeps the
    /// round's items as possibly stored) and releases the <see cref="WhenFinishedAsync"/> waiters the watermark passed.
    /// </summary>
    private void PublishWatermark((long Seq, DateTimeOffset? At)? stored)
    {
        long lowest;
        lock (_gate)
        {
            if (stored is { } known) (_storedLowest, _storedLowestAt) = known;
            else if (_committingLowest < _storedLowest) (_storedLowest, _storedLowestAt) = (_committingLowest, _committingLowestAt);
            _committingLowest = long.MaxValue;
            _committingCount = 0;
            lowest = WatermarkLocked().Lowest;
        }
        _finishWaiters.Release(lowest);
    }

    /// <summary>Completes the durability waiters of a processed group.</summary>
    private void Settle(List<QueuedItem> items, HashSet<long> failed)
    {
        if (items.Count > 0) _durability.Settle(items[^1].Sequence, failed);
    }

    /// <summary>Reads the next page of items waiting on disk into memory when the sender is running low; unreadable ones become dead letters.</summary>
    private void Refill()
    {
        var unreadable = _cursor.Refill(_db.Page);
        if (unreadable is null) return;
        using var tx = _db.Begin();
        long freed = 0;
        foreach (var (seq, reason) in unreadable)
        {
            QueueLog.Undecodable(_logger, Path, seq, reason);
            var bytes = _db.MoveToDeadLetters(tx, seq, _time.GetUtcNow(), 0, reason);
            if (bytes > 0) freed += bytes;
        }
        tx.Commit();
        Interlocked.Add(ref _storedBytes, -freed);
        Interlocked.Add(ref _storedCount, -unreadable.Count);
        Interlocked.Add(ref _deadLetterCount, unreadable.Count);
        ReloadedFinished(unreadable.Count(u => u.Seq <= _reloadedUpTo));
    }

    private void ResolveEmptyWaiters() =>
        _emptyWaiters.ReleaseIf(() => Interlocked.Read(ref _storedCount) == 0 && Volatile.Read(ref _handOffCount) == 0);

    private void ReportDropped(QueuedItem item, string reason)
    {
        if (item.Kind == ItemKind.Message) return;
        ItemDropped?.Invoke(this, new QueueItemDroppedEventArgs(item, reason));
    }
}
