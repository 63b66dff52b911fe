using System.Globalization;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Klaviyo.Destinations.Redis;

/// <summary>
/// Partition leases, the replicas' heartbeats and the fair sharing of partitions between live replicas (rebalancing),
/// and the removal of dead replicas' consumer names from the consumer groups.
/// </summary>
public sealed partial class RedisEventQueue
{
    /// <summary>A sweep of every held partition's consumer names runs every this many lease periods (and after each takeover).</summary>
    private const int SweepEvery = 10;

    private const string RenewScript = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
    private const string ReleaseScript = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

    /// <summary>
    /// KEYS: the live-replica set. ARGV: this replica's number, the lease duration in ms. Drops the replicas whose
    /// heartbeat ran out (Redis server time), renews this one's, and answers the live replicas.
    /// </summary>
    private const string HeartbeatScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
        redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
        return redis.call('ZRANGE', KEYS[1], 0, -1)
        """;

    /// <summary>
    /// KEYS: a partition stream. ARGV: the group, a consumer name. Removes the consumer from the group only when it has
    /// no pending entry left (removing one with pending entries would lose them), atomically; -1 when it still has some.
    /// </summary>
    private const string DeleteConsumerScript = """
        local pending = redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2])
        if #pending > 0 then return -1 end
        return redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
        """;

    private static readonly Action<ILogger, int, int, int, int, int, Exception?> s_handingOver = LoggerMessage.Define<int, int, int, int, int>(LogLevel.Information,
        new EventId(2105, "RedisQueueHandingOver"),
        "The Redis queue hands partition {Partition} over to another replica: it holds {Held} partitions, its fair share is {Share} of {Partitions} among {Replicas} live replicas. Its items in flight finish here first.");
    private static readonly Action<ILogger, long, int, Exception?> s_consumerRemoved = LoggerMessage.Define<long, int>(LogLevel.Debug,
        new EventId(2106, "RedisQueueConsumerRemoved"),
        "The Redis queue removed the consumer name of replica {Replica} (no longer live, nothing pending) from partition {Partition}.");

    private IReadOnlyList<long>? _lastLive;
    private int _liveReplicas;
    private int _share;
    private long _ticks;
    private long _consumersRemoved;
    private TaskCompletionSource _tick = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly AsyncSignal _rebalance = new();

    /// <summary>How many live replicas (unexpired heartbeats) this replica saw at its last heartbeat.</summary>
    public int LiveReplicas => Volatile.Read(ref _liveReplicas);

    /// <summary>
    /// How many partitions this replica should hold: its fair share among the live replicas (the partitions divided by
    /// the replicas, the remainder going one each to the lowest replica numbers); all of them when
    /// <see cref="RedisEventQueueOptions.Rebalance"/> is off.
    /// </summary>
    public int FairShare => Volatile.Read(ref _share);

    /// <summary>Dead replicas' consumer names this replica removed from the partitions' consumer groups.</summary>
    internal long ConsumersRemoved => Interlocked.Read(ref _consumersRemoved);

    /// <summary>Completes after the next lease period's work (heartbeat, renewals, rebalancing, sweep) is done: tests wait on it.</summary>
    internal Task NextTickAsync() => Volatile.Read(ref _tick).Task;

    /// <summary>The partitions this replica reads and hands out: leased, and not being handed over.</summary>
    private bool Reading(int partition) => _owned[partition] && !_draining[partition];

    /// <summary>
    /// Every third of the lease duration (sooner when a partition being handed over may have finished): heartbeat,
    /// lease renewal, rebalancing, hand-overs, and the sweep of dead consumers.
    /// </summary>
    private async Task LeaseLoopAsync()
    {
        var stop = _stop.Token;
        var period = _options.LeaseDuration / 3;
        var next = Environment.TickCount64 + (long)period.TotalMilliseconds;
        while (!stop.IsCancellationRequested)
        {
            _rebalance.Reset();
            var wait = next - Environment.TickCount64;
            if (wait > 0)
            {
                try
                {
                    await _rebalance.WaitAsync().WaitAsync(TimeSpan.FromMilliseconds(wait), stop).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            if (Environment.TickCount64 >= next)
            {
                next = Environment.TickCount64 + (long)period.TotalMilliseconds;
                await TickAsync().ConfigureAwait(false);
            }
            else
            {
                // Woken early: an item of a partition being handed over finished; release the partition if it is done.
                await ReleaseHandedOverAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>One lease period: heartbeat, renewals, rebalancing (or taking every free partition), hand-overs, sweep.</summary>
    private async Task TickAsync()
    {
        var failed = false;
        IReadOnlyList<long>? live = null;
        // The heartbeat and the renewals go out together: on a Redis Cluster they may be on different nodes, and a heartbeat
        // waiting for a node that is down must not hold the renewals of the partitions on the others back past their leases.
        Task<RedisResult> heartbeat;
        try
        {
            heartbeat = _db.ScriptEvaluateAsync(HeartbeatScript, [_keys.Members], [_me, LeaseMilliseconds]);
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            heartbeat = Task.FromException<RedisResult>(ex);
        }
        failed |= !await RenewAsync().ConfigureAwait(false);
        try
        {
            var members = (RedisResult[])(await heartbeat.ConfigureAwait(false))!;
            live = [.. members.Select(m => long.Parse((string)m!, CultureInfo.InvariantCulture)).Order()];
            Volatile.Write(ref _liveReplicas, live.Count);
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            failed = true;
            ReportOutage(ex.Message);
        }
        if (live is not null)
        {
            try
            {
                await RebalanceAsync(live).ConfigureAwait(false);
                await ReleaseHandedOverAsync().ConfigureAwait(false);
                await SweepAsync(live, full: ++_ticks % SweepEvery == 0).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsRedisFailure(ex))
            {
                failed = true;
                ReportOutage(ex.Message);
            }
        }
        if (!failed) ClearOutage();
        Interlocked.Exchange(ref _tick, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    private long LeaseMilliseconds => (long)_options.LeaseDuration.TotalMilliseconds;

    /// <summary>Renews the held leases; false when Redis could not be asked. A lease not renewed for 2/3 of its duration is given up.</summary>
    private async Task<bool> RenewAsync()
    {
        var leaseMs = LeaseMilliseconds;
        var ok = true;
        // All renewals at once (pipelined), then their answers: on a Redis Cluster with a node down, a renewal sent to it
        // waits for its timeout, which must not delay the renewals of the partitions on the other nodes past their leases.
        var sent = Environment.TickCount64;
        var renewals = new List<(int Partition, Task<RedisResult> Renewal)>();
        for (var i = 0; i < _owned.Length; i++)
        {
            lock (_gate)
            {
                if (!_owned[i]) continue;
            }
            Task<RedisResult> renewal;
            try
            {
                renewal = _db.ScriptEvaluateAsync(RenewScript, [_keys.Lease(i)], [_me, leaseMs]);
            }
            catch (Exception ex) when (IsRedisFailure(ex))
            {
                renewal = Task.FromException<RedisResult>(ex);
            }
            renewals.Add((i, renewal));
        }
        foreach (var (i, renewal) in renewals)
        {
            try
            {
                var renewed = (long)await renewal.ConfigureAwait(false);
                if (renewed == 1) _renewedAt[i] = sent;
                else Lose(i);
            }
            catch (Exception ex) when (IsRedisFailure(ex))
            {
                ok = false;
                ReportOutage(ex.Message);
                // Without renewal the lease runs out in Redis: stop reading the partition before another replica may take it.
                if (Environment.TickCount64 - _renewedAt[i] > leaseMs * 2 / 3) Lose(i);
            }
        }
        return ok;
    }

    /// <summary>
    /// Brings the partitions this replica holds to its fair share: hands the surplus over (only when the live replicas
    /// are the same as one lease period ago: hysteresis against replicas that come and go), takes free partitions while
    /// below the share.
    /// </summary>
    private async Task RebalanceAsync(IReadOnlyList<long> live)
    {
        var n = _owned.Length;
        var index = IndexOf(live, _instance);
        if (index < 0) return;
        var share = _options.Rebalance ? n / live.Count + (index < n % live.Count ? 1 : 0) : n;
        var stable = _lastLive is { } last && last.SequenceEqual(live);
        _lastLive = live;
        Volatile.Write(ref _share, share);

        List<int>? handOver = null;
        int active;
        lock (_gate)
        {
            active = Enumerable.Range(0, n).Count(Reading);
            if (active > share && stable && !_closed)
            {
                // The partitions with the fewest items in flight here finish their hand-over soonest.
                handOver = [.. Enumerable.Range(0, n).Where(Reading)
                    .OrderBy(i => _tracked.Values.Count(t => t.Partition == i && t.State == State.Taken)).ThenByDescending(i => i)
                    .Take(active - share)];
            }
        }
        if (handOver is not null)
        {
            foreach (var partition in handOver)
            {
                s_handingOver(_logger, partition, active, share, n, live.Count, null);
                BeginHandOver(partition);
            }
            return;
        }
        var gained = false;
        // Start at a different place per replica, so that replicas looking for free partitions at once rarely collide.
        var start = index * n / live.Count;
        for (var k = 0; k < n && active < share; k++)
        {
            var i = (start + k) % n;
            lock (_gate)
            {
                if (_owned[i] || _closed) continue;
            }
            try
            {
                if (!await _db.StringSetAsync(_keys.Lease(i), _me, _options.LeaseDuration, When.NotExists).ConfigureAwait(false)) continue;
            }
            catch (Exception ex) when (IsRedisFailure(ex))
            {
                // This partition's node cannot be reached (a cluster node down): free partitions on the other nodes are still taken.
                ReportOutage(ex.Message);
                continue;
            }
            _renewedAt[i] = Environment.TickCount64;
            lock (_gate)
            {
                _owned[i] = true;
                _draining[i] = false;
                _needsRecovery[i] = true;
            }
            active++;
            gained = true;
        }
        if (gained) _toRead.Set();
    }

    private static int IndexOf(IReadOnlyList<long> list, long value)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] == value) return i;
        }
        return -1;
    }

    /// <summary>
    /// Starts handing <paramref name="partition"/> over: nothing more of it is read or handed out here; its items read
    /// but not taken stay pending in Redis for the next holder (who claims them); the lease is released once the items
    /// taken here are finished, so the next holder never hands out a person's item while an earlier one is in flight here.
    /// </summary>
    private void BeginHandOver(int partition)
    {
        List<long> left;
        lock (_gate)
        {
            if (!Reading(partition)) return;
            _draining[partition] = true;
            left = LeftToNextHolder(partition);
        }
        foreach (var seq in left) Finish(seq);
    }

    /// <summary>The items of <paramref name="partition"/> not taken here and already stored: the next holder delivers them (call under the gate).</summary>
    private List<long> LeftToNextHolder(int partition)
    {
        // Items still in the write buffer are finished by the writer once stored (the partition is not read here then).
        var buffered = _buffer.Select(t => t.Sequence).ToHashSet();
        return [.. _tracked.Values.Where(t => t.Partition == partition && t.State != State.Taken && !buffered.Contains(t.Sequence)).Select(t => t.Sequence)];
    }

    /// <summary>Releases the leases of partitions being handed over whose items taken here are all finished.</summary>
    private async Task ReleaseHandedOverAsync()
    {
        List<int> done;
        lock (_gate)
        {
            done = [.. Enumerable.Range(0, _owned.Length).Where(i => _owned[i] && _draining[i] && !_tracked.Values.Any(t => t.Partition == i && t.State == State.Taken))];
        }
        foreach (var i in done)
        {
            try
            {
                await _db.ScriptEvaluateAsync(ReleaseScript, [_keys.Lease(i)], [_me]).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsRedisFailure(ex))
            {
                ReportOutage(ex.Message);
                continue;   // tried again next period (or the lease runs out)
            }
            lock (_gate)
            {
                _owned[i] = false;
                _draining[i] = false;
            }
        }
    }

    /// <summary>
    /// Removes from the consumer groups of the partitions held here the consumer names of replicas that are no longer live
    /// and have nothing pending (their entries were claimed when the partition was taken over): after each takeover, and
    /// over every held partition every <see cref="SweepEvery"/> lease periods.
    /// </summary>
    private async Task SweepAsync(IReadOnlyList<long> live, bool full)
    {
        for (var i = 0; i < _owned.Length; i++)
        {
            lock (_gate)
            {
                if (!Reading(i) || _needsRecovery[i] || !(full || _sweep[i])) continue;
                _sweep[i] = false;
            }
            foreach (var consumer in await _db.StreamConsumerInfoAsync(_keys.Stream(i), Group).ConfigureAwait(false))
            {
                if (consumer.PendingMessageCount > 0 || !long.TryParse(consumer.Name, NumberStyles.None, CultureInfo.InvariantCulture, out var replica)) continue;
                if (replica == _instance || IndexOf(live, replica) >= 0) continue;
                var removed = (long)await _db.ScriptEvaluateAsync(DeleteConsumerScript, [_keys.Stream(i)], [Group, consumer.Name]).ConfigureAwait(false);
                if (removed < 0) continue;
                Interlocked.Increment(ref _consumersRemoved);
                s_consumerRemoved(_logger, replica, i, null);
            }
        }
    }

    /// <summary>The lease on <paramref name="partition"/> is gone: its items not yet taken here are left to the next holder.</summary>
    private void Lose(int partition)
    {
        List<long> left;
        lock (_gate)
        {
            if (!_owned[partition]) return;
            _owned[partition] = false;
            _draining[partition] = false;
            left = LeftToNextHolder(partition);
        }
        s_leaseLost(_logger, partition, null);
        foreach (var seq in left) Finish(seq);
    }

    /// <summary>
    /// On dispose: leaves the live replicas, releases the leases, removes this replica's consumer name where nothing is
    /// pending under it, and deletes its append marks where every write it sent was answered (no write of it can still
    /// run; a mark kept after a failed write expires a day after that replica's last write, see <see cref="StreamAppend"/>).
    /// </summary>
    private async Task LeaveAsync()
    {
        try
        {
            await _db.SortedSetRemoveAsync(_keys.Members, _me).ConfigureAwait(false);
            for (var i = 0; i < _owned.Length; i++)
            {
                if (_owned[i]) await _db.ScriptEvaluateAsync(ReleaseScript, [_keys.Lease(i)], [_me]).ConfigureAwait(false);
            }
            for (var i = 0; i < _owned.Length; i++)
                await _db.ScriptEvaluateAsync(DeleteConsumerScript, [_keys.Stream(i)], [Group, _me]).ConfigureAwait(false);
            // The writer has stopped: a mark is needed only against a write of this replica that Redis may still run.
            var marks = Enumerable.Range(0, _owned.Length).Where(i => _marked[i] && !_unsettledMark[i]).Select(i => _db.KeyDeleteAsync(_keys.Mark(i, _instance))).ToArray();
            await Task.WhenAll(marks).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            // The heartbeat and the leases expire by themselves; the next holders remove the consumer name.
        }
    }
}
