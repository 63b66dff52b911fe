using System.Diagnostics.Metrics;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Klaviyo.Destinations.Redis;

/// <summary>
/// A durable <see cref="IEventQueue"/> shared by every replica, on Redis Streams: any replica's items can be delivered
/// by any replica, and a dead replica's unfinished items are delivered by another.
/// <para><b>Layout.</b> Items go to one of <see cref="RedisEventQueueOptions.Partitions"/> streams by a hash of the person
/// (<see cref="QueuedItem.UserKey"/>). Each partition is leased to one replica at a time (a key set with NX and an expiry,
/// renewed every third of <see cref="RedisEventQueueOptions.LeaseDuration"/>); only the lease holder reads it, through a
/// consumer group, so one person's items are sent in order. When a lease expires (the holder died or lost Redis), another
/// replica takes the partition and claims the entries the old holder had read but not finished (XAUTOCLAIM).</para>
/// <para><b>Order.</b> A holder hands a partition's items out in stream order (the order Redis stored them), whichever
/// replica accepted them: one line per partition in the order read (claimed entries first, then new ones), only a line's
/// first item can go, the lowest sequence first between lines. A replica's writes add each partition's items in its
/// acceptance order, and a write sent again (its answer lost, or run late) adds nothing twice (a per-replica mark in each partition).</para>
/// <para><b>Rebalancing.</b> Replicas announce themselves with a heartbeat (a sorted set scored in Redis server time) and
/// each holds its fair share of the partitions among the live replicas (<see cref="FairShare"/>): a replica above it
/// hands the surplus over (stops reading and handing out those partitions, lets the items in flight finish, then releases
/// the lease; the next holder claims what was read but not handed out), a replica below it takes free partitions. Hand-
/// overs start only when the live replicas were the same at two heartbeats in a row. Keys carry Redis Cluster hash tags
/// (one slot per partition). See <c>docs/scale-out.md</c>.</para>
/// <para><b>At least once.</b> An item is deleted from its stream when it is finished. A replica that dies after sending
/// an item and before deleting it leaves it to the next holder, which sends it again: events carry a deterministic
/// <c>unique_id</c>, so Klaviyo keeps one.</para>
/// <para><b>Sequences and the watermark are per replica.</b> <see cref="Enqueue"/> does no I/O: it gives the item a
/// sequence from this replica's own range (a replica number taken from Redis when the queue opens, times 2^36, plus a
/// counter), buffers it, and a background writer adds it to its stream (<see cref="WhenDurableAsync"/> completes when
/// Redis acknowledged it). The backlog and a flush see the items this replica accepted and the items it read from its
/// partitions: an item accepted here for a partition another replica holds counts as finished here once Redis has it
/// (the holder delivers it); an item read from another replica keeps its sequence, so it can briefly lower this
/// replica's watermark.</para>
/// </summary>
public sealed partial class RedisEventQueue : IEventQueue
{
    private const string Group = "klaviyo";
    internal const long SequenceRange = 1L << 36;

    private static readonly Action<ILogger, string, Exception?> s_unreachable = LoggerMessage.Define<string>(LogLevel.Warning, new EventId(2101, "RedisQueueUnreachable"),
        "The Redis queue cannot reach Redis ({Reason}); accepted items wait in memory (bounded) and are stored when it is back.");
    private static readonly Action<ILogger, int, Exception?> s_leaseLost = LoggerMessage.Define<int>(LogLevel.Warning, new EventId(2102, "RedisQueueLeaseLost"),
        "The Redis queue lost its lease on partition {Partition}; another replica delivers its items.");
    private static readonly Action<ILogger, string, Exception?> s_ackFailed = LoggerMessage.Define<string>(LogLevel.Warning, new EventId(2103, "RedisQueueAckFailed"),
        "The Redis queue could not record an item's outcome ({Reason}); the item may be delivered again (Klaviyo dedupes events by unique_id).");

    private static readonly Action<ILogger, Exception?> s_reachable = LoggerMessage.Define(LogLevel.Information, new EventId(2104, "RedisQueueReachable"),
        "The Redis queue reaches Redis again; buffered items are stored and delivery resumes.");

    private readonly IDatabase _db;
    private readonly RedisEventQueueOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly long _instance;
    private readonly string _me;
    private readonly RedisQueueKeys _keys;

    private readonly Lock _gate = new();
    private readonly Dictionary<long, Tracked> _tracked = new();
    private readonly SortedSet<long> _unfinished = new();
    private readonly WaitingLines _waiting;
    // This replica's own items on their way to Redis, by partition, and the partitions whose last write failed (their
    // cluster node is down): their own items on the way hold back only their own partition, not the acceptance order of
    // the others (see CanTake).
    private readonly SortedSet<long>[] _inTransitBy;
    private int _inTransitCount;
    private readonly bool[] _writeFailing;
    // Written by the writer only: the partitions this replica has sent writes to (it has a mark there), and those where a
    // write failed (Redis may still run it late, so the mark stays when this replica leaves).
    private readonly bool[] _marked;
    private readonly bool[] _unsettledMark;
    private readonly Queue<Tracked> _buffer = new();
    private readonly List<(long UpTo, TaskCompletionSource Done)> _finishWaiters = new();
    // Items finished while Redis could not be reached: acknowledged and deleted by the read loop once it answers.
    private readonly System.Collections.Concurrent.ConcurrentQueue<(int Partition, RedisValue EntryId)> _unacknowledged = new();
    private readonly bool[] _owned;
    private readonly bool[] _needsRecovery;
    private readonly bool[] _draining;
    private readonly bool[] _sweep;
    // Partitions where, after Close, an entry was left for the next holder: this replica's own later entries there are left too (order).
    private readonly bool[] _leftAfterClose;
    private readonly HashSet<long>?[] _finishedDuringRecovery;
    private readonly long[] _renewedAt;
    private long _last;
    private long _maxSeen;
    private bool _closed;
    private bool _disposed;
    private long _deadCount;
    private string? _outage;
    private long _outageSinceTicks;

    private readonly AsyncSignal _readable = new();
    private readonly AsyncSignal _toWrite = new();
    private readonly AsyncSignal _toRead = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _writer = Task.CompletedTask;
    private Task _reader = Task.CompletedTask;
    private Task _leaser = Task.CompletedTask;

    private RedisEventQueue(IConnectionMultiplexer redis, RedisEventQueueOptions options, TimeProvider time, ILogger logger, long instance, IMeterFactory? meterFactory)
    {
        _db = redis.GetDatabase();
        _options = options;
        _time = time;
        _logger = logger;
        _instance = instance;
        _me = instance.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _last = instance * SequenceRange;
        var n = options.Partitions;
        _keys = new RedisQueueKeys(options.KeyPrefix, n);
        _owned = new bool[n];
        _needsRecovery = new bool[n];
        _renewedAt = new long[n];
        _draining = new bool[n];
        _sweep = new bool[n];
        _finishedDuringRecovery = new HashSet<long>?[n];
        _waiting = new WaitingLines(n);
        _leftAfterClose = new bool[n];
        _inTransitBy = new SortedSet<long>[n];
        for (var i = 0; i < n; i++) _inTransitBy[i] = new SortedSet<long>();
        _writeFailing = new bool[n];
        _marked = new bool[n];
        _unsettledMark = new bool[n];
        _meter = CreateMeter(meterFactory);
    }

    /// <summary>
    /// Opens the queue: takes a replica number, creates the partition streams' consumer group, takes the free partition
    /// leases and reloads the items a previous holder left unfinished in them. Needs Redis (fails when it cannot be reached).
    /// </summary>
    /// <param name="redis">The Redis connection.</param>
    /// <param name="options">Settings; the defaults when null.</param>
    /// <param name="time">The clock of acceptance and dead-letter times; <see cref="TimeProvider.System"/> when null. Leases always use real time.</param>
    /// <param name="logger">Where outages, lost leases and hand-overs are reported.</param>
    /// <param name="meterFactory">Creates the meter of the <c>klaviyo.redis.queue.*</c> instruments (meter <see cref="RedisRateBudget.MeterName"/>); a meter of its own when null.</param>
    /// <param name="cancellationToken">Cancels the opening.</param>
    public static async Task<RedisEventQueue> OpenAsync(IConnectionMultiplexer redis, RedisEventQueueOptions? options = null, TimeProvider? time = null,
        ILogger? logger = null, IMeterFactory? meterFactory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(redis);
        options ??= new RedisEventQueueOptions();
        options.Validate();
        var db = redis.GetDatabase();
        var keys = new RedisQueueKeys(options.KeyPrefix, options.Partitions);
        var instance = await db.StringIncrementAsync(keys.Replicas).ConfigureAwait(false);
        var queue = new RedisEventQueue(redis, options, time ?? TimeProvider.System, logger ?? NullLogger.Instance, instance, meterFactory);
        await CreateGroupsAsync(db, keys, options.Partitions).ConfigureAwait(false);
        queue._deadCount = await db.ListLengthAsync(keys.Dead).ConfigureAwait(false);
        // Announces this replica and takes its fair share of the free partitions (all of them when it is alone).
        await queue.TickAsync().ConfigureAwait(false);
        await queue.RecoverAsync(cancellationToken).ConfigureAwait(false);
        queue._writer = Task.Run(queue.WriteLoopAsync);
        queue._reader = Task.Run(queue.ReadLoopAsync);
        queue._leaser = Task.Run(queue.LeaseLoopAsync);
        return queue;
    }

    /// <summary>This replica's number in the queue (its consumer name and lease value).</summary>
    public long ReplicaNumber => _instance;

    /// <summary>The partitions whose lease this replica holds now (including those it is handing over to another replica).</summary>
    public IReadOnlyList<int> OwnedPartitions
    {
        get { lock (_gate) return [.. Enumerable.Range(0, _owned.Length).Where(i => _owned[i])]; }
    }

    /// <summary>Why Redis cannot be reached now (the writer keeps the accepted items in memory meanwhile); null when it can.</summary>
    public string? Outage => Volatile.Read(ref _outage);

    /// <summary>Why Redis cannot be reached now in a few words, with the server (e.g. <c>connection refused: 127.0.0.1:6390</c>); null when it can. <see cref="Outage"/> has the client's whole message.</summary>
    public string? OutageSummary => Outage is { } outage ? RedisFailureText.Summarize(outage) : null;

    /// <summary>Since when Redis cannot be reached (the queue's clock); null when it can.</summary>
    public DateTimeOffset? OutageSince => Interlocked.Read(ref _outageSinceTicks) is var ticks and not 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null;

    /// <inheritdoc />
    public event EventHandler<QueueItemDroppedEventArgs>? ItemDropped;

    /// <inheritdoc />
    public bool IsDurable => true;

    /// <inheritdoc />
    public int Count
    {
        get { lock (_gate) return _waiting.Count; }
    }

    /// <inheritdoc />
    public long DeadLetterCount => Interlocked.Read(ref _deadCount) + PendingLetters;

    /// <inheritdoc />
    public QueueBacklog Backlog
    {
        get
        {
            lock (_gate)
            {
                var last = Math.Max(_last, _maxSeen);
                if (_unfinished.Count == 0) return new QueueBacklog(last, last + 1, 0, null);
                var lowest = _unfinished.Min;
                return new QueueBacklog(last, lowest, _unfinished.Count, _tracked[lowest].AcceptedAt);
            }
        }
    }

    /// <summary>Redis could not be asked (unreachable, timed out, or its connection closed): the queue carries on without it.</summary>
    internal static bool IsRedisFailure(Exception ex) => ex is RedisException or TimeoutException or ObjectDisposedException;

    /// <summary>Which partition a person's items go to (FNV-1a of the user key).</summary>
    internal static int PartitionOf(string userKey, int partitions)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(userKey))
        {
            hash ^= b;
            hash *= 16777619u;
        }
        return (int)(hash % (uint)partitions);
    }

    /// <inheritdoc />
    public EnqueueResult Enqueue(QueuedItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        lock (_gate)
        {
            if (_closed) return QueueRefusals.Closed();
            // Dead letters waiting for Redis count too: both are held in memory until Redis takes them.
            if (_buffer.Count + PendingLetters >= _options.MaxBuffered)
            {
                var why = _outage is { } outage ? $"Redis cannot be reached ({RedisFailureText.Summarize(outage)})" : "Redis is slower than the rate of calls";
                return EnqueueResult.Refused(EnqueueRefusal.Full,
                    $"The Redis queue's write buffer is full ({_options.MaxBuffered:N0} items not yet stored): {why}; the item was refused. Check Redis, or raise MaxBuffered.");
            }
            var seq = ++_last;
            item.Sequence = seq;
            var tracked = new Tracked(item, seq, PartitionOf(item.UserKey, _owned.Length), _time.GetUtcNow(), local: true);
            _tracked.Add(seq, tracked);
            _unfinished.Add(seq);
            AddInTransit(tracked);
            _buffer.Enqueue(tracked);
        }
        _toWrite.Set();
        return EnqueueResult.Ok(item.Sequence);
    }

    /// <inheritdoc />
    public ValueTask<bool> WhenDurableAsync(QueuedItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        Task<bool> stored;
        lock (_gate)
        {
            if (!_tracked.TryGetValue(item.Sequence, out var tracked) || tracked.Stored is null) return ValueTask.FromResult(item.Sequence > 0);
            stored = tracked.Stored.Task;
        }
        return new ValueTask<bool>(stored.WaitAsync(cancellationToken));
    }

    /// <inheritdoc />
    public async ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            _readable.Reset();
            lock (_gate)
            {
                if (CanTake()) return true;
                if (_disposed || (_closed && _waiting.Count == 0 && _inTransitCount == 0)) return false;
            }
            await _readable.WaitAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Whether the next item (the lowest sequence among the partitions' first waiting items) can go: not while an item
    /// this replica accepted earlier is still on its way to Redis (it is handed out first, in acceptance order), unless
    /// that item's partition cannot be written now (its cluster node is down). Such an item holds back nothing: it will be
    /// stored after every entry already in its partition's stream, so a person's order does not need it, and waiting for
    /// it would hold every later item of this replica behind a node that is down.
    /// </summary>
    private bool CanTake() => _waiting.TryPeek(out var next) && next < LowestInTransit();

    /// <summary>The lowest sequence of this replica's own items on their way to Redis in partitions that can be written; <see cref="long.MaxValue"/> when none (call under the gate).</summary>
    private long LowestInTransit()
    {
        var lowest = long.MaxValue;
        for (var p = 0; p < _inTransitBy.Length; p++)
        {
            if (!_writeFailing[p] && _inTransitBy[p].Count > 0) lowest = Math.Min(lowest, _inTransitBy[p].Min);
        }
        return lowest;
    }

    private void AddInTransit(Tracked tracked)
    {
        if (_inTransitBy[tracked.Partition].Add(tracked.Sequence)) _inTransitCount++;
    }

    private void RemoveInTransit(Tracked tracked)
    {
        if (_inTransitBy[tracked.Partition].Remove(tracked.Sequence)) _inTransitCount--;
    }

    /// <summary>Whether <paramref name="tracked"/>, one of this replica's own items, is still on its way to Redis (call under the gate).</summary>
    private bool IsInTransit(Tracked tracked) => _inTransitBy[tracked.Partition].Contains(tracked.Sequence);

    /// <summary>
    /// Takes the next item: the first waiting item of a partition (stream order within a partition, so one person's items
    /// leave in the order Redis stored them), the one with the lowest sequence among the partitions' first items; never one
    /// with a higher sequence than an item this replica accepted that is still on its way to Redis, unless that item's
    /// partition cannot be written now (a cluster node down: it holds back only its own partition). The item stays
    /// unfinished until it is completed or dead-lettered.
    /// </summary>
    /// <param name="item">The item taken, when there was one.</param>
    /// <returns>Whether an item was taken.</returns>
    public bool TryDequeue(out QueuedItem item)
    {
        lock (_gate)
        {
            if (!CanTake())
            {
                item = null!;
                return false;
            }
            _waiting.TryPeek(out var seq);
            _waiting.Remove(seq);
            var tracked = _tracked[seq];
            tracked.State = State.Taken;
            item = tracked.Item;
        }
        _toRead.Set();
        return true;
    }

    /// <summary>
    /// Removes a finished entry from its partition in one transaction (the partition's keys share a cluster slot):
    /// acknowledged in the group, deleted from the stream, its retry state dropped.
    /// </summary>
    private async Task RemoveEntryAsync(int partition, RedisValue entryId)
    {
        var tx = _db.CreateTransaction();
        _ = tx.StreamAcknowledgeAsync(_keys.Stream(partition), Group, entryId);
        _ = tx.StreamDeleteAsync(_keys.Stream(partition), [entryId]);
        _ = tx.HashDeleteAsync(_keys.Retry(partition), entryId);
        await tx.ExecuteAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask CompleteAsync(QueuedItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (TakeForFinish(item.Sequence) is not { } tracked) return;
        ForgetRetryState(tracked.Partition, tracked.EntryId);
        try
        {
            await RemoveEntryAsync(tracked.Partition, tracked.EntryId).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsRedisFailure(ex))
        {
            _unacknowledged.Enqueue((tracked.Partition, tracked.EntryId));
            s_ackFailed(_logger, ex.Message, null);
        }
        finally
        {
            Finish(tracked.Sequence);
        }
    }

    /// <summary>The tracked item about to be finished (read from Redis), or null when it is finished already.</summary>
    private Tracked? TakeForFinish(long seq)
    {
        lock (_gate)
        {
            if (!_tracked.TryGetValue(seq, out var tracked) || tracked.EntryId.IsNull || tracked.Finishing) return null;
            tracked.Finishing = true;
            return tracked;
        }
    }

    /// <inheritdoc />
    public async ValueTask RecordRetryAsync(QueuedItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        Tracked? tracked;
        lock (_gate)
        {
            if (!_tracked.TryGetValue(item.Sequence, out tracked) || tracked.EntryId.IsNull) return;
        }
        var state = string.Join('|', item.Attempts, item.NotBefore?.UtcTicks ?? 0, item.FirstTakenAt?.UtcTicks ?? 0);
        await StoreRetryStateAsync(tracked.Partition, tracked.EntryId, state).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DeadLetterAsync(QueuedItem item, string reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (TakeForFinish(item.Sequence) is not { } tracked) return;
        var letter = new JsonObject
        {
            ["id"] = tracked.Sequence,
            ["at"] = _time.GetUtcNow().UtcTicks,
            ["n"] = item.Attempts,
            ["r"] = reason,
            ["k"] = (int)item.Kind,
            ["m"] = item.MessageId,
            ["u"] = item.UserId,
            ["e"] = item.Metric,
            ["q"] = item.UniqueId,
            ["d"] = Convert.ToBase64String(QueuedItemCodec.Encode(item)),
        };
        await StoreDeadLetterAsync(tracked, letter).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<DeadLetter>> ListDeadLettersAsync(int limit = 1_000, CancellationToken cancellationToken = default)
    {
        if (limit <= 0) return [];
        var raw = await _db.ListRangeAsync(_keys.Dead, 0, limit - 1).ConfigureAwait(false);
        Interlocked.Exchange(ref _deadCount, await _db.ListLengthAsync(_keys.Dead).ConfigureAwait(false));
        return [.. raw.Select(r => ReadLetter(r).Letter)];
    }

    /// <summary>
    /// The item a dead letter holds, to be sent again: null when the letter is not among <paramref name="wanted"/> (null:
    /// all), or holds no record (an unreadable item was dead-lettered without one), or its record cannot be decoded.
    /// </summary>
    internal static QueuedItem? ReplayableItem(RedisValue raw, IReadOnlySet<long>? wanted)
    {
        var (letter, record) = ReadLetter(raw);
        if (wanted is not null && !wanted.Contains(letter.Id)) return null;
        if (record is null) return null;
        try
        {
            return QueuedItemCodec.Decode(Convert.FromBase64String(record));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    internal static (DeadLetter Letter, string? Record) ReadLetter(RedisValue raw)
    {
        var json = JsonNode.Parse(raw.ToString())!.AsObject();
        var letter = new DeadLetter(
            (long)json["id"]!,
            new DateTimeOffset((long)json["at"]!, TimeSpan.Zero),
            (int)json["n"]!,
            (string)json["r"]!,
            (ItemKind)(int)json["k"]!,
            (string?)json["m"] ?? "",
            (string?)json["u"],
            (string?)json["e"],
            (string?)json["q"]);
        return (letter, (string?)json["d"]);
    }

    /// <inheritdoc />
    public async Task<int> ReplayDeadLettersAsync(IEnumerable<long>? ids = null, CancellationToken cancellationToken = default)
    {
        var wanted = ids is null ? null : new HashSet<long>(ids);
        var all = await _db.ListRangeAsync(_keys.Dead, 0, -1).ConfigureAwait(false);
        var replayed = new List<(RedisValue Raw, QueuedItem Item)>();
        foreach (var raw in all)
        {
            if (ReplayableItem(raw, wanted) is not { } item) continue;
            if (!Enqueue(item).Accepted) break;
            replayed.Add((raw, item));
        }
        foreach (var (raw, item) in replayed)
        {
            if (await WhenDurableAsync(item, cancellationToken).ConfigureAwait(false))
                await _db.ListRemoveAsync(_keys.Dead, raw, 1).ConfigureAwait(false);
        }
        Interlocked.Exchange(ref _deadCount, await _db.ListLengthAsync(_keys.Dead).ConfigureAwait(false));
        return replayed.Count;
    }

    /// <inheritdoc />
    public Task WhenFinishedAsync(long sequence, CancellationToken cancellationToken)
    {
        TaskCompletionSource done;
        lock (_gate)
        {
            if (Lowest() > sequence) return Task.CompletedTask;
            if (_disposed) return Task.FromException(new ObjectDisposedException(nameof(RedisEventQueue)));
            done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _finishWaiters.Add((sequence, done));
        }
        return done.Task.WaitAsync(cancellationToken);
    }

    private long Lowest() => _unfinished.Count == 0 ? Math.Max(_last, _maxSeen) + 1 : _unfinished.Min;

    /// <summary>Finishes an item here (delivered, dead-lettered, or left to the replica that holds its partition).</summary>
    private void Finish(long seq)
    {
        List<TaskCompletionSource>? ready = null;
        lock (_gate)
        {
            if (!_tracked.Remove(seq, out var tracked)) return;
            _finishedDuringRecovery[tracked.Partition]?.Add(seq);
            // The last item in flight of a partition being handed over: its lease can be released now.
            if (_draining[tracked.Partition]) _rebalance.Set();
            _unfinished.Remove(seq);
            _waiting.Remove(seq);
            RemoveInTransit(tracked);
            var lowest = Lowest();
            for (var i = _finishWaiters.Count - 1; i >= 0; i--)
            {
                if (_finishWaiters[i].UpTo >= lowest) continue;
                (ready ??= []).Add(_finishWaiters[i].Done);
                _finishWaiters.RemoveAt(i);
            }
        }
        if (ready is not null) foreach (var done in ready) done.TrySetResult();
        _readable.Set();
    }

    /// <inheritdoc />
    public void Close()
    {
        lock (_gate) _closed = true;
        _readable.Set();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Close();
        lock (_gate)
        {
            if (_disposed) return;
        }
        // Store what is buffered (the writer keeps going until the buffer is empty or the deadline passes).
        using (var deadline = new CancellationTokenSource(_options.LeaseDuration))
        {
            try
            {
                while (true)
                {
                    _toWrite.Set();
                    _toRead.Set();
                    lock (_gate)
                    {
                        if (_buffer.Count == 0 && PendingLetters == 0) break;
                    }
                    await Task.Delay(20, deadline.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
            }
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        _toWrite.Set();
        _toRead.Set();
        try
        {
            await Task.WhenAll(_writer, _reader, _leaser).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        List<Tracked> lost;
        List<TaskCompletionSource> waiters;
        lock (_gate)
        {
            _disposed = true;
            lost = [.. _buffer];
            _buffer.Clear();
            waiters = [.. _finishWaiters.Select(w => w.Done)];
            _finishWaiters.Clear();
        }
        foreach (var tracked in lost)
        {
            ItemDropped?.Invoke(this, new QueueItemDroppedEventArgs(tracked.Item, QueueRefusals.NotWritten($"Redis could not be reached before the queue was closed ({_outage ?? "no answer"}).")));
            tracked.Stored?.TrySetResult(false);
            Finish(tracked.Sequence);
        }
        foreach (var waiter in waiters) waiter.TrySetException(new ObjectDisposedException(nameof(RedisEventQueue)));
        ReportOutcomesLeft();
        await LeaveAsync().ConfigureAwait(false);
        _readable.Set();
        _stop.Dispose();
        _ownMeter?.Dispose();
    }

    private enum State
    {
        InTransit,
        Waiting,
        Taken,
    }

    private sealed class Tracked(QueuedItem item, long sequence, int partition, DateTimeOffset acceptedAt, bool local)
    {
        public QueuedItem Item { get; } = item;
        public long Sequence { get; } = sequence;
        public int Partition { get; } = partition;
        public DateTimeOffset AcceptedAt { get; } = acceptedAt;
        public TaskCompletionSource<bool>? Stored { get; } = local ? new(TaskCreationOptions.RunContinuationsAsynchronously) : null;
        public State State { get; set; } = local ? State.InTransit : State.Waiting;
        public RedisValue EntryId { get; set; } = RedisValue.Null;
        public bool Finishing { get; set; }
    }
}
