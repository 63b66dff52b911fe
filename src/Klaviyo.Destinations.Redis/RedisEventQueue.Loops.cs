using System.Globalization;
using StackExchange.Redis;

namespace Klaviyo.Destinations.Redis;

public sealed partial class RedisEventQueue
{
    private const int WriteBatch = 256;

    /// <summary>
    /// Adds buffered items to their streams, in acceptance order, one script run per partition, pipelined; keeps them while
    /// Redis cannot be reached and sends them again from the oldest one not confirmed (<see cref="StreamAppend"/>).
    /// </summary>
    private async Task WriteLoopAsync()
    {
        var stop = _stop.Token;
        // The partitions whose last write failed (their node is down): only their oldest item is tried each round.
        var failing = new HashSet<int>();
        while (!stop.IsCancellationRequested)
        {
            _toWrite.Reset();
            List<Tracked> batch;
            lock (_gate) batch = PartitionedWrites.Select(_buffer, t => t.Partition, failing, WriteBatch);
            if (batch.Count == 0)
            {
                try
                {
                    await _toWrite.WaitAsync().WaitAsync(stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                continue;
            }
            // One script run per partition (its items in acceptance order): a run is atomic, and a run Redis has done already
            // (its answer lost, or itself late) adds nothing again (StreamAppend).
            var adds = new Dictionary<int, Task<long>>();
            foreach (var partition in batch.GroupBy(t => t.Partition))
            {
                var entries = partition
                    .Select(t => new StreamAppend.Entry(t.Sequence, t.Sequence - _instance * SequenceRange, t.AcceptedAt.UtcTicks, QueuedItemCodec.Encode(t.Item)))
                    .ToList();
                _marked[partition.Key] = true;
                adds[partition.Key] = StreamAppend.AddAsync(_db, _keys.Stream(partition.Key), _keys.Mark(partition.Key, _instance), _instance, entries);
            }
            var failedPartitions = new HashSet<int>();
            string? failure = null;
            foreach (var (p, add) in adds)
            {
                try
                {
                    await add.ConfigureAwait(false);
                }
                catch (Exception ex) when (IsRedisFailure(ex))
                {
                    failure ??= ex.Message;
                    failedPartitions.Add(p);
                    // Redis may still run this write later (a timeout): the partition's mark must outlive this replica.
                    _unsettledMark[p] = true;
                }
            }
            // A partition's script either ran whole or is sent again (what Redis added already is not added twice), so of each
            // partition the items of a confirmed run are stored; the others are tried again. On a cluster with a node down,
            // only that node's partitions hold back their items, never another partition's.
            var written = batch.Select(t => !failedPartitions.Contains(t.Partition)).ToArray();
            failing.Clear();
            var stored = PartitionedWrites.Stored(batch, t => t.Partition, written, failing);
            var done = batch.Where((_, i) => stored[i]).ToHashSet();
            lock (_gate)
            {
                for (var p = 0; p < _writeFailing.Length; p++) _writeFailing[p] = failing.Contains(p);
                var keep = _buffer.Where(t => !done.Contains(t)).ToList();
                _buffer.Clear();
                foreach (var t in keep) _buffer.Enqueue(t);
                foreach (var t in done)
                {
                    if (t.State == State.InTransit && !Reading(t.Partition))
                    {
                        // Another replica holds the partition and delivers the item: it is finished here.
                        RemoveInTransit(t);
                    }
                }
            }
            for (var i = 0; i < batch.Count; i++)
            {
                if (!stored[i]) continue;
                var t = batch[i];
                t.Stored!.TrySetResult(true);
                bool handedOver;
                lock (_gate) handedOver = t.State == State.InTransit && !IsInTransit(t);
                if (handedOver) Finish(t.Sequence);
            }
            if (done.Count > 0) _toRead.Set();
            if (failure is not null)
            {
                // Items waiting behind this replica's own items of the partitions that failed can go now (CanTake).
                _readable.Set();
                ReportOutage(failure);
                try
                {
                    await Task.Delay(_options.RetryInterval, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            else
            {
                ClearOutage();
            }
        }
    }

    /// <summary>A stream entry's fields: the item's sequence, when it was accepted, the accepting replica, the item.</summary>
    internal static NameValueEntry[] EntryFields(long sequence, DateTimeOffset acceptedAt, long replica, QueuedItem item) =>
    [
        new NameValueEntry("s", sequence),
        new NameValueEntry("t", acceptedAt.UtcTicks),
        new NameValueEntry("o", replica),
        new NameValueEntry("d", QueuedItemCodec.Encode(item)),
    ];

    private void ReportOutage(string reason)
    {
        if (Interlocked.Exchange(ref _outage, reason) is not null) return;
        Interlocked.Exchange(ref _outageSinceTicks, _time.GetUtcNow().UtcTicks);
        s_unreachable(_logger, reason, null);
    }

    private void ClearOutage()
    {
        if (Interlocked.Exchange(ref _outage, null) is null) return;
        Interlocked.Exchange(ref _outageSinceTicks, 0);
        s_reachable(_logger, null);
    }

    /// <summary>Reads the partitions this replica holds: first what a previous holder left pending, then new entries.</summary>
    private async Task ReadLoopAsync()
    {
        var stop = _stop.Token;
        while (!stop.IsCancellationRequested)
        {
            _toRead.Reset();
            var read = 0;
            try
            {
                await AcknowledgeLeftOversAsync().ConfigureAwait(false);
                await StorePendingOutcomesAsync().ConfigureAwait(false);
                await RecoverAsync(stop).ConfigureAwait(false);
                read = await ReadNewAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (IsMissingGroup(ex))
            {
                try
                {
                    await RecreateGroupsAsync().ConfigureAwait(false);
                    continue;
                }
                catch (Exception again) when (IsRedisFailure(again))
                {
                    ReportOutage(again.Message);
                }
            }
            catch (Exception ex) when (IsRedisFailure(ex))
            {
                ReportOutage(ex.Message);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            if (read > 0) continue;
            try
            {
                await _toRead.WaitAsync().WaitAsync(_options.PollInterval, stop).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>
    /// Acknowledges and deletes the items finished while Redis could not be reached (their acknowledgement failed), so
    /// they do not stay pending in the group until another replica takes the partition and delivers them again.
    /// </summary>
    private async Task AcknowledgeLeftOversAsync()
    {
        // Each once per pass: one that fails (its partition's node is down) is kept for the next pass without holding back
        // the others; the first failure is reported when the pass is done.
        Exception? failed = null;
        for (var n = _unacknowledged.Count; n > 0 && _unacknowledged.TryDequeue(out var left); n--)
        {
            try
            {
                await RemoveEntryAsync(left.Partition, left.EntryId).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsRedisFailure(ex))
            {
                _unacknowledged.Enqueue(left);
                failed ??= ex;
            }
        }
        if (failed is not null) ReportOutage(failed.Message);
    }

    private async Task<int> ReadNewAsync()
    {
        int[] partitions;
        int room;
        lock (_gate)
        {
            room = _options.ReadAhead - _waiting.Count;
            // After Close, read only to bring back this replica's own items still on their way.
            if (_closed && _inTransitCount == 0) return 0;
            if (room <= 0)
            {
                // Full, but one of this replica's own items is still to be read: the items waiting (read from other
                // replicas, with higher sequences) cannot be taken before it, so read on until it comes.
                if (LowestInTransit() == long.MaxValue) return 0;
                room = 64;
            }
            partitions = [.. Enumerable.Range(0, _owned.Length).Where(i => Reading(i) && !_needsRecovery[i])];
        }
        if (partitions.Length == 0) return 0;
        // One XREADGROUP per partition, pipelined (one command over several streams would span several cluster slots).
        var count = Math.Max(1, room / partitions.Length + 1);
        var reads = partitions.Select(i => _db.StreamReadGroupAsync(_keys.Stream(i), Group, _me, StreamPosition.NewMessages, count)).ToArray();
        var read = 0;
        Exception? failed = null;
        Exception? missingGroup = null;
        for (var k = 0; k < partitions.Length; k++)
        {
            StreamEntry[] entries;
            try
            {
                entries = await reads[k].ConfigureAwait(false);
            }
            catch (Exception ex) when (IsMissingGroup(ex))
            {
                // Redis came back without its data: the read loop creates the group again and recovers every partition.
                missingGroup ??= ex;
                continue;
            }
            catch (Exception ex) when (IsRedisFailure(ex))
            {
                // A read whose answer was lost may have delivered entries to this consumer: claim them back (recovery) before
                // reading on. Only this partition: the others (on other cluster nodes) are read as usual.
                lock (_gate) _needsRecovery[partitions[k]] = _owned[partitions[k]];
                failed ??= ex;
                continue;
            }
            foreach (var entry in entries) Take(partitions[k], entry, retry: null);
            read += entries.Length;
        }
        if (read > 0) _readable.Set();
        if (missingGroup is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(missingGroup);
        if (failed is not null) ReportOutage(failed.Message);
        return read;
    }

    /// <summary>
    /// For each partition just leased: claims every entry pending in the group (a previous holder's unfinished items) in
    /// stream order, and takes over the dead letters a previous holder staged there (moved to the dead-letter list by the
    /// read loop). A partition whose node cannot be reached is reported and tried again next pass.
    /// </summary>
    private async Task RecoverAsync(CancellationToken cancellationToken)
    {
        for (var i = 0; i < _owned.Length; i++)
        {
            lock (_gate)
            {
                if (!_owned[i] || !_needsRecovery[i]) continue;
            }
            // Items of this partition finished here while the claim is under way (a claim answer can carry an entry that
            // is completed before the answer is read): not taken again.
            lock (_gate) _finishedDuringRecovery[i] = [];
            try
            {
                RedisValue start = "0-0";
                while (true)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var claimed = await _db.StreamAutoClaimAsync(_keys.Stream(i), Group, _me, 0, start, 500).ConfigureAwait(false);
                    if (claimed.ClaimedEntries.Length > 0)
                    {
                        var ids = claimed.ClaimedEntries.Select(e => e.Id).ToArray();
                        var states = await _db.HashGetAsync(_keys.Retry(i), ids).ConfigureAwait(false);
                        for (var e = 0; e < ids.Length; e++) Take(i, claimed.ClaimedEntries[e], states[e]);
                        _readable.Set();
                    }
                    start = claimed.NextStartId;
                    if (start.IsNull || start == "0-0") break;
                }
                // Letters a previous holder staged (their entries removed) and did not move to the dead-letter list.
                await AdoptStagedLettersAsync(i).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsRedisFailure(ex) && !IsMissingGroup(ex))
            {
                // This partition's node cannot be reached: its recovery is tried again next pass (it is not read meanwhile);
                // the other partitions (on other cluster nodes) recover and are read as usual.
                ReportOutage(ex.Message);
                continue;
            }
            finally
            {
                lock (_gate) _finishedDuringRecovery[i] = null;
            }
            lock (_gate)
            {
                _needsRecovery[i] = false;
                // The previous holders' entries are claimed: their consumer names can go (next lease period).
                _sweep[i] = true;
            }
        }
    }

    /// <summary>
    /// An entry read from partition <paramref name="partition"/>: waiting to be taken here, at the end of its partition's
    /// line (entries are read in stream order: the claimed ones first, then the new ones).
    /// </summary>
    private void Take(int partition, StreamEntry entry, RedisValue? retry)
    {
        var seq = (long)entry["s"];
        var leftBehind = false;
        lock (_gate)
        {
            // A partition being handed over (or lost) is not read here any more: the entry stays pending for the next holder.
            if (!Reading(partition)) return;
            // Dead-lettered here, its letter waiting for Redis: the entry leaves the stream once the letter is stored.
            if (IsBeingDeadLettered(partition, entry.Id)) return;
            if (_tracked.TryGetValue(seq, out var known))
            {
                if (!known.EntryId.IsNull && known.EntryId != entry.Id)
                {
                    // A second copy of the item (a write retried after a partial failure): removed; the first is finished.
                    _unacknowledged.Enqueue((partition, entry.Id));
                    return;
                }
                known.EntryId = entry.Id;
                if (known.State == State.InTransit)
                {
                    RemoveInTransit(known);
                    // After Close, behind an entry left for the next holder: left too (it stays pending here, the next holder claims it).
                    if (_leftAfterClose[partition]) leftBehind = true;
                    else
                    {
                        known.State = State.Waiting;
                        _waiting.Add(partition, seq);
                    }
                }
                if (!leftBehind) return;
            }
            else
            {
                if (_finishedDuringRecovery[partition]?.Contains(seq) == true) return;
                // Another replica's item (or one of ours finished here earlier): left for the next holder after Close, and
                // with it every later entry of the partition, so that none of a person's later items leaves before it.
                if (_closed)
                {
                    _leftAfterClose[partition] = true;
                    return;
                }
            }
        }
        if (leftBehind)
        {
            Finish(seq);
            return;
        }
        QueuedItem item;
        try
        {
            item = QueuedItemCodec.Decode((byte[])entry["d"]!);
        }
        catch (FormatException ex)
        {
            item = new QueuedItem { Kind = ItemKind.Message, MessageId = "", UserKey = "", Profile = [] };
            var unreadable = new Tracked(item, seq, partition, _time.GetUtcNow(), local: false) { EntryId = entry.Id, Finishing = true };
            lock (_gate)
            {
                _tracked[seq] = unreadable;
                _unfinished.Add(seq);
            }
            var letter = new System.Text.Json.Nodes.JsonObject
            {
                ["id"] = seq, ["at"] = _time.GetUtcNow().UtcTicks, ["n"] = 0, ["r"] = "The queue record cannot be read: " + ex.Message,
                ["k"] = (int)ItemKind.Message, ["m"] = "",
            };
            _ = StoreDeadLetterAsync(unreadable, letter);
            return;
        }
        item.Sequence = seq;
        if (retry is { IsNullOrEmpty: false } state)
        {
            var parts = state.ToString().Split('|');
            item.Attempts = int.Parse(parts[0], CultureInfo.InvariantCulture);
            var notBefore = long.Parse(parts[1], CultureInfo.InvariantCulture);
            var firstTaken = long.Parse(parts[2], CultureInfo.InvariantCulture);
            item.NotBefore = notBefore == 0 ? null : new DateTimeOffset(notBefore, TimeSpan.Zero);
            item.FirstTakenAt = firstTaken == 0 ? null : new DateTimeOffset(firstTaken, TimeSpan.Zero);
        }
        var tracked = new Tracked(item, seq, partition, new DateTimeOffset((long)entry["t"], TimeSpan.Zero), local: false) { EntryId = entry.Id };
        lock (_gate)
        {
            if (_tracked.ContainsKey(seq) || !Reading(partition)) return;
            _tracked.Add(seq, tracked);
            _unfinished.Add(seq);
            _waiting.Add(partition, seq);
            _maxSeen = Math.Max(_maxSeen, seq);
        }
    }
}
