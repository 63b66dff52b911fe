using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace Klaviyo.Destinations;

/// <summary>The durable queue's transactions (see <see cref="SqliteEventQueue"/>): one group commit, the full-disk path, replay.</summary>
public sealed partial class SqliteEventQueue
{
    private const int SqliteFull = 13;
    private const int SmallStep = 32;
    private bool _smallSteps;
    private long _commits;

    /// <summary>
    /// One transaction: the finished/retried/dead-lettered changes, room for the new items if over budget, the new items.
    /// Adds the group to <paramref name="processed"/> (its durability is settled by the caller, after the drop reports).
    /// Returns false when the changes could not be written; they are then back in the hand-off for the next round.
    /// </summary>
    private bool Commit(List<QueuedItem> items, List<QueueOp> ops, List<(QueuedItem Item, string Reason)> reports, List<(List<QueuedItem>, HashSet<long>)> processed)
    {
        var started = Stopwatch.GetTimestamp();
        var now = _time.GetUtcNow();
        var records = new byte[items.Count][];
        var failed = new HashSet<long>();
        long newBytes = 0;
        for (var i = 0; i < items.Count; i++)
        {
            try
            {
                records[i] = QueuedItemCodec.Encode(items[i]);
                newBytes += records[i].Length;
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or OverflowException)
            {
                failed.Add(items[i].Sequence);
                reports.Add((items[i], QueueRefusals.NotWritten(ex.Message)));
            }
        }
        long freed = 0, removed = 0, reloadedRemoved = 0, deadLettered = 0, storedBefore = _storedBytes;
        var victims = new List<(long Seq, byte[] Record)>();
        SqliteTransaction? tx = null;
        try
        {
            tx = _db.Begin();
            foreach (var op in ops)
            {
                long bytes;
                switch (op.Kind)
                {
                    case QueueOpKind.Complete:
                        bytes = _db.Delete(tx, op.Seq);
                        break;
                    case QueueOpKind.Retry:
                        _db.UpdateRetry(tx, op.Seq, op.Attempts, op.NotBefore, op.FirstTaken);
                        bytes = -1;
                        break;
                    default:
                        bytes = _db.MoveToDeadLetters(tx, op.Seq, now, op.Attempts, op.Reason ?? "gave up");
                        if (bytes >= 0) deadLettered++;
                        break;
                }
                if (bytes >= 0)
                {
                    freed += bytes;
                    removed++;
                    if (op.Seq <= _reloadedUpTo) reloadedRemoved++;
                }
            }
            var over = DiskBudget.Excess(storedBefore, freed, newBytes, _options.MaxBytes);
            if (over > 0 && _options.Overflow == QueueOverflowMode.DropOldest)
            {
                var after = _cursor.LoadedUpTo;
                while (over > 0)
                {
                    var oldest = _db.Oldest(tx, after, 256);
                    if (oldest.Count == 0) break;
                    foreach (var (seq, bytes, record) in oldest)
                    {
                        if (over <= 0) break;
                        _db.Delete(tx, seq);
                        victims.Add((seq, record));
                        over -= bytes;
                        freed += bytes;
                        removed++;
                        if (seq <= _reloadedUpTo) reloadedRemoved++;
                        after = seq;
                    }
                }
            }
            // Still over: with DropOldest the oldest of the new items go (every stored one is already being sent); with
            // RefuseNew (the estimate at acceptance was short) the newest are refused.
            if (over > 0)
            {
                var sizes = new long?[items.Count];
                for (var i = 0; i < items.Count; i++) sizes[i] = records[i] is null || failed.Contains(items[i].Sequence) ? null : records[i].Length;
                foreach (var i in DiskBudget.NewItemsToGiveUp(sizes, over, _options.Overflow))
                {
                    failed.Add(items[i].Sequence);
                    newBytes -= records[i].Length;
                    reports.Add((items[i], _options.Overflow == QueueOverflowMode.DropOldest ? QueueRefusals.DroppedOldest(_options.MaxBytes) : QueueRefusals.OverBudgetAtCommit(_options.MaxBytes)));
                }
            }
            for (var i = 0; i < items.Count; i++)
            {
                if (failed.Contains(items[i].Sequence)) continue;
                var item = items[i];
                _db.Insert(tx, item.Sequence, records[i], item.Attempts, item.NotBefore, item.FirstTakenAt, item.EnqueuedAt);
            }
            if (deadLettered > 0 && _deadLetterCount + deadLettered > _options.MaxDeadLetters)
            {
                var trimmed = _db.TrimDeadLetters(tx, _options.MaxDeadLetters);
                deadLettered -= trimmed;
                if (trimmed > 0) QueueLog.DeadLettersTrimmed(_logger, Path, trimmed, _options.MaxDeadLetters);
            }
            tx.Commit();
        }
        catch (Exception ex)
        {
            try { tx?.Rollback(); } catch (Exception rollback) when (rollback is SqliteException or InvalidOperationException) { }
            tx?.Dispose();
            if (items.Count > 0)
            {
                QueueLog.CommitFailed(_logger, ex, Path, items.Count);
                foreach (var item in items)
                    if (failed.Add(item.Sequence)) reports.Add((item, QueueRefusals.NotWritten(ex.Message)));
                processed.Add((items, failed));
                // The changes on their own need no new space (deletes free it): try them without the new items.
                return ops.Count == 0 || Commit([], ops, reports, processed);
            }
            if (ex is SqliteException { SqliteErrorCode: SqliteFull } && !_smallSteps)
                return CommitInSmallSteps(ops, reports, processed);
            QueueLog.ChangesFailed(_logger, ex, Path, ops.Count);
            if (ex is SqliteException sqlite && QueueDamage.IsCorruption(sqlite)) MarkDamaged(sqlite);
            // Kept for the next round, ahead of later changes (applying a change twice is harmless).
            lock (_gate) _ops.InsertRange(0, ops);
            return false;
        }
        tx.Dispose();
        _reserve.TryRestore(now);
        if (items.Count > 0) Interlocked.Increment(ref _commits);
        var inserted = items.Count - failed.Count;
        Interlocked.Add(ref _storedBytes, newBytes - freed);
        lock (_gate)
        {
            // One step for Backlog.Unfinished: the round's items move from "committing" to "stored".
            Interlocked.Add(ref _storedCount, inserted - removed);
            _committingCount = Math.Max(0, _committingCount - items.Count);
        }
        if (removed > 0 && Interlocked.Read(ref _storedCount) == 0) ShrinkWhenEmpty();
        Interlocked.Add(ref _deadLetterCount, deadLettered);
        ReloadedFinished(reloadedRemoved);
        if (victims.Count > 0)
        {
            QueueLog.DroppedOldest(_logger, Path, _options.MaxBytes, victims.Count);
            _cursor.Forget(victims.Count);
            foreach (var (seq, record) in victims)
            {
                if (!StoredRecords.TryDecode(record, out var victim)) continue;
                victim.Sequence = seq;
                reports.Add((victim, QueueRefusals.DroppedOldest(_options.MaxBytes)));
            }
        }
        foreach (var item in items)
        {
            if (failed.Contains(item.Sequence)) continue;
            _cursor.Offer(item);
        }
        processed.Add((items, failed));
        if (items.Count > 0 || ops.Count > 0)
            QueueLog.Committed(_logger, Path, inserted, ops.Count, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return true;
    }

    /// <summary>
    /// The disk is full and even the completions do not fit in the write-ahead log. Gives back the reserved room, then
    /// writes the changes a few at a time with a checkpoint after each step, so the log reuses the same room instead of
    /// growing: every delete frees pages inside the database, and new items fit again. Returns false (the changes not
    /// yet written are back in the hand-off) when even a small step fails.
    /// </summary>
    private bool CommitInSmallSteps(List<QueueOp> ops, List<(QueuedItem Item, string Reason)> reports, List<(List<QueuedItem>, HashSet<long>)> processed)
    {
        if (_reserve.Release()) QueueLog.ReserveReleased(_logger, Path, DiskReserve.Size);
        _smallSteps = true;
        try
        {
            Checkpoint();
            for (var start = 0; start < ops.Count; start += SmallStep)
            {
                var step = ops.GetRange(start, Math.Min(SmallStep, ops.Count - start));
                if (!Commit([], step, reports, processed))
                {
                    // Commit put this step back at the front; the later steps follow it.
                    var rest = ops.GetRange(start + step.Count, ops.Count - start - step.Count);
                    lock (_gate) _ops.InsertRange(step.Count, rest);
                    return false;
                }
                Checkpoint();
            }
            return true;
        }
        finally
        {
            _smallSteps = false;
        }
    }

    /// <summary>
    /// After a drain the file would keep the size of the largest backlog (pages freed inside it, not given back). When the
    /// queue is empty and more than <see cref="ShrinkAbove"/> of it is free, it is rewritten small (VACUUM) and the log cut.
    /// </summary>
    private void ShrinkWhenEmpty()
    {
        try
        {
            var free = Convert.ToInt64(_db.Pragma("PRAGMA freelist_count;"), System.Globalization.CultureInfo.InvariantCulture) *
                Convert.ToInt64(_db.Pragma("PRAGMA page_size;"), System.Globalization.CultureInfo.InvariantCulture);
            if (free < ShrinkAbove) return;
            _db.Pragma("VACUUM;");
            _db.Pragma("PRAGMA wal_checkpoint(TRUNCATE);");
            QueueLog.Shrunk(_logger, Path, free);
        }
        catch (SqliteException)
        {
            // Not enough room to rewrite the file now: it is tried again after the next drain.
        }
    }

    private const long ShrinkAbove = 4 * 1024 * 1024;

    private void Checkpoint()
    {
        try { _db.Pragma("PRAGMA wal_checkpoint(RESTART);"); }
        catch (SqliteException) { }
    }

    /// <summary>
    /// The file's pages turned out damaged while running: log the way out, and end every wait for the stored items
    /// (FlushAsync, drain) with that report instead of letting it hang.
    /// </summary>
    private void MarkDamaged(SqliteException ex)
    {
        var report = QueueDamage.Damaged(Path, $"SQLite error {ex.SqliteErrorCode}: {ex.Message}");
        if (Interlocked.CompareExchange(ref _damage, report, null) is null) QueueLog.Damaged(_logger, ex, Path, report.Message);
        _emptyWaiters.FailAll(report);
        _finishWaiters.FailAll(report);
    }

    /// <summary>Counts items from earlier runs that reached a final outcome (<see cref="ReloadedLeft"/>).</summary>
    private void ReloadedFinished(long count)
    {
        if (count > 0) Interlocked.Add(ref _reloadedLeft, -count);
    }

    /// <summary>Moves dead letters back into the queue under the sequence numbers reserved for them.</summary>
    private int Replay(IReadOnlyCollection<long> ids, long first)
    {
        var seq = first;
        var now = _time.GetUtcNow();
        long bytes = 0;
        var count = 0;
        using (var tx = _db.Begin())
        {
            foreach (var id in ids)
            {
                var record = _db.TakeDeadLetter(tx, id);
                if (record is null) continue;
                _db.Insert(tx, seq++, record, 0, null, null, now);
                bytes += record.Length;
                count++;
            }
            tx.Commit();
        }
        if (count == 0) return 0;
        Interlocked.Add(ref _storedBytes, bytes);
        Interlocked.Add(ref _storedCount, count);
        Interlocked.Add(ref _deadLetterCount, -count);
        _cursor.Spill(count);
        QueueLog.Replayed(_logger, Path, count);
        return count;
    }
}
