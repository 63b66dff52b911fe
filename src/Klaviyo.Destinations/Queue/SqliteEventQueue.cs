using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Klaviyo.Destinations;

/// <summary>
/// The durable queue: an embedded SQLite database (WAL, exclusive locking) that keeps every accepted item until it has
/// a final outcome, across crashes and restarts. See <c>docs/durability.md</c> for the contract.
/// <list type="bullet">
/// <item><see cref="Enqueue"/> only appends to a bounded in-memory hand-off; one writer commits everything waiting
/// there in one transaction (group commit), so an item is on disk one commit after it was accepted.
/// <see cref="WhenDurableAsync"/> completes then.</item>
/// <item>Only committed items reach the sender, in sequence order. At most <see cref="SqliteEventQueueOptions.ReadAhead"/>
/// of them are held in memory; the rest wait on disk and are read in pages, so memory stays bounded during an outage.</item>
/// <item>Finished items are deleted; retry state is updated in place; items past the attempt or age caps become dead
/// letters (<see cref="ListDeadLettersAsync"/>, <see cref="ReplayDeadLettersAsync"/>).</item>
/// <item>One owner per path (a lock file); a second instance or process gets a <see cref="KlaviyoConfigurationException"/>.</item>
/// </list>
/// </summary>
public sealed class SqliteEventQueue : IEventQueue
{
    private readonly SqliteEventQueueOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly QueueLock _lock;
    private readonly QueueDatabase _db;
    private readonly SemaphoreSlim _dbGate = new(1, 1);
    private readonly AsyncSignal _wake = new();
    private readonly Channel<QueuedItem> _ready = Channel.CreateUnbounded<QueuedItem>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = true });
    private readonly Task _writer;

    // Hand-off (caller threads), guarded by _gate.
    private readonly Lock _gate = new();
    private List<QueuedItem> _inserts = new();
    private List<QueueOp> _ops = new();
    private List<TaskCompletionSource> _barriers = new();
    private readonly Queue<(IReadOnlyCollection<long>? Ids, TaskCompletionSource<int> Done)> _replays = new();
    private long _sequence;
    private long _pendingBytes;
    private long _committingBytes;
    private int _handOffCount;
    private bool _closed;
    private bool _stopping;

    // The watermark (see WatermarkLocked), guarded by _gate: the oldest stored item as of the writer's last round, and
    // the oldest of the round being committed (no longer in the hand-off, not yet known to be stored).
    private long _storedLowest = long.MaxValue;
    private DateTimeOffset? _storedLowestAt;
    private long _committingLowest = long.MaxValue;
    private DateTimeOffset _committingLowestAt;
    private int _committingCount;
    private readonly List<(long UpTo, TaskCompletionSource Done)> _finishWaiters = new();

    // Writer state, guarded by _dbGate.
    private long _loadedUpTo;
    private volatile bool _spilled;
    private long _spilledCount;
    private long _storedBytes;
    private long _storedCount;
    private long _deadLetterCount;
    private volatile bool _readerClosed;
    private int _readyCount;

    // Durability notifications, guarded by _durableGate.
    private readonly Lock _durableGate = new();
    private readonly PriorityQueue<TaskCompletionSource<bool>, long> _durableWaiters = new();
    private readonly HashSet<long> _failed = new();
    private readonly List<TaskCompletionSource> _emptyWaiters = new();
    private long _durableUpTo;
    private long _commits;

    // Items stored by earlier runs, counted in the destination's Pending.
    private readonly long _reloadedUpTo;
    private long _reloadedLeft;

    private KlaviyoConfigurationException? _damage;
    private const int SqliteFull = 13;
    private const int SmallStep = 32;
    private bool _smallSteps;
    private readonly DiskReserve _reserve;

    private readonly TaskCompletionSource _stopRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private static readonly TimeSpan FirstRetryPause = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxRetryPause = TimeSpan.FromSeconds(5);

    /// <summary>Opens (or creates) the queue at <see cref="SqliteEventQueueOptions.Path"/> and takes ownership of it.</summary>
    /// <param name="options">The queue's settings.</param>
    /// <param name="logger">Where the queue logs (category of your choice); nothing is logged when null.</param>
    /// <param name="timeProvider">The clock for dead-letter times; <see cref="TimeProvider.System"/> when null.</param>
    /// <exception cref="KlaviyoConfigurationException">The path is in use by another owner, or cannot be opened.</exception>
    public SqliteEventQueue(SqliteEventQueueOptions options, ILogger? logger = null, TimeProvider? timeProvider = null)
        : this(options, logger, timeProvider, null)
    {
    }

    /// <summary>Opens the queue with its owner lock already taken (<see cref="DefaultQueueLocation"/> picks a free slot so).</summary>
    internal SqliteEventQueue(SqliteEventQueueOptions options, ILogger? logger, TimeProvider? timeProvider, QueueLock? ownerLock)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
        Path = System.IO.Path.GetFullPath(options.Path);
        var directory = System.IO.Path.GetDirectoryName(Path);
        try
        {
            if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new KlaviyoConfigurationException($"The durable queue's directory '{directory}' cannot be created: {ex.Message} Set Klaviyo:QueuePath to a file in a directory the app can write (a mounted volume in a container).");
        }
        _lock = ownerLock ?? QueueLock.Acquire(Path);
        QueueDatabase? db = null;
        try
        {
            // Whatever goes wrong while opening (a damaged file included), the database and the owner lock are released.
            db = new QueueDatabase(Path, options.SyncToDisk);
            _sequence = db.MaxSequence();
            (_storedCount, _storedBytes) = db.ItemTotals();
            _deadLetterCount = db.DeadLetterCount();
            (_storedLowest, _storedLowestAt) = db.OldestItem();
        }
        catch (Exception ex)
        {
            db?.Dispose();
            _lock.Dispose();
            if (ex is SqliteException sqlite) throw QueueDamage.AtOpen(Path, sqlite);
            throw;
        }
        _db = db;
        _reserve = new DiskReserve(Path);
        _reserve.TryRestore(_time.GetUtcNow());
        // Rows kept from before acceptance times were stored count from the moment the queue was opened.
        if (_storedLowest != long.MaxValue) _storedLowestAt ??= _time.GetUtcNow();
        _spilledCount = _storedCount;
        _spilled = _storedCount > 0;
        _reloadedUpTo = _sequence;
        _reloadedLeft = _storedCount;
        if (_storedCount > 0 || _deadLetterCount > 0) QueueLog.Opened(_logger, Path, _storedCount, _storedBytes, _deadLetterCount);
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>Opens the queue at <paramref name="path"/> with default settings.</summary>
    public SqliteEventQueue(string path, ILogger? logger = null) : this(new SqliteEventQueueOptions { Path = path }, logger) { }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <inheritdoc />
    public bool IsDurable => true;

    /// <summary>Items waiting to be taken by the sender (in memory or on disk).</summary>
    public int Count => (int)Math.Min(int.MaxValue, Volatile.Read(ref _readyCount) + Volatile.Read(ref _handOffCount) + Interlocked.Read(ref _spilledCount));

    /// <summary>Items stored on disk that have no final outcome yet: waiting, or being sent.</summary>
    public long StoredCount => Interlocked.Read(ref _storedCount);

    /// <summary>Bytes of the items stored on disk (what <see cref="SqliteEventQueueOptions.MaxBytes"/> limits).</summary>
    public long StoredBytes => Interlocked.Read(ref _storedBytes);

    /// <summary>Items the queue holds in memory: accepted and not yet committed, plus committed and ready for the sender. Bounded by HandOffCapacity + ReadAhead.</summary>
    public int InMemoryCount => Volatile.Read(ref _handOffCount) + Volatile.Read(ref _readyCount);

    /// <inheritdoc />
    public long DeadLetterCount => Interlocked.Read(ref _deadLetterCount);

    /// <summary>Group commits that wrote new items (for tests and diagnostics).</summary>
    internal long Commits => Interlocked.Read(ref _commits);

    /// <inheritdoc />
    public event EventHandler<QueueItemDroppedEventArgs>? ItemDropped;

    /// <summary>Items stored by an earlier run that have no final outcome yet.</summary>
    public long ReloadedLeft => Math.Max(0, Interlocked.Read(ref _reloadedLeft));

    /// <inheritdoc />
    public EnqueueResult Enqueue(QueuedItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var size = Estimate(item);
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            if (_closed) return QueueRefusals.Closed();
            if (_inserts.Count >= _options.HandOffCapacity) return QueueRefusals.HandOffFull(_options.HandOffCapacity);
            if (_options.Overflow == QueueOverflowMode.RefuseNew && Interlocked.Read(ref _storedBytes) + _pendingBytes + _committingBytes + size > _options.MaxBytes)
                return QueueRefusals.OverBudget(_options.MaxBytes);
            item.Sequence = ++_sequence;
            item.EnqueuedAt = now;
            _inserts.Add(item);
            _pendingBytes += size;
            _handOffCount = _inserts.Count;
        }
        _wake.Set();
        return EnqueueResult.Ok(item.Sequence);
    }

    /// <inheritdoc />
    public QueueBacklog Backlog
    {
        get
        {
            lock (_gate)
            {
                var (lowest, at) = WatermarkLocked();
                var unfinished = Interlocked.Read(ref _storedCount) + _inserts.Count + _committingCount;
                return new QueueBacklog(_sequence, lowest, unfinished, at);
            }
        }
    }

    /// <summary>
    /// The lowest unfinished sequence and when it was accepted (under <see cref="_gate"/>). An item is unfinished while it
    /// is in the hand-off, in the round being committed, or stored; the stored part is as of the writer's last round,
    /// which is exact because only the writer adds or removes stored items, and it publishes before it releases waiters.
    /// </summary>
    private (long Lowest, DateTimeOffset? At) WatermarkLocked()
    {
        (long Seq, DateTimeOffset? At) lowest = (_sequence + 1, null);
        if (_inserts.Count > 0) lowest = (_inserts[0].Sequence, _inserts[0].EnqueuedAt);
        if (_committingLowest < lowest.Seq) lowest = (_committingLowest, _committingLowestAt);
        if (_storedLowest < lowest.Seq) lowest = (_storedLowest, _storedLowestAt);
        return lowest;
    }

    /// <inheritdoc />
    public Task WhenFinishedAsync(long sequence, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (WatermarkLocked().Lowest > sequence) return Task.CompletedTask;
            if (Volatile.Read(ref _damage) is { } damage) return Task.FromException(damage);
            if (_stopping) return Task.FromException(new ObjectDisposedException(nameof(SqliteEventQueue)));
            _finishWaiters.Add((sequence, done));
        }
        return done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Publishes the oldest stored item after a writer round (or, when the round failed before it could tell, keeps the
    /// round's items as possibly stored) and releases the <see cref="WhenFinishedAsync"/> waiters the watermark passed.
    /// </summary>
    private void PublishWatermark((long Seq, DateTimeOffset? At)? stored)
    {
        List<TaskCompletionSource>? ready = null;
        lock (_gate)
        {
            if (stored is { } known) (_storedLowest, _storedLowestAt) = known;
            else if (_committingLowest < _storedLowest) (_storedLowest, _storedLowestAt) = (_committingLowest, _committingLowestAt);
            _committingLowest = long.MaxValue;
            _committingCount = 0;
            var lowest = WatermarkLocked().Lowest;
            for (var i = _finishWaiters.Count - 1; i >= 0; i--)
            {
                if (_finishWaiters[i].UpTo >= lowest) continue;
                (ready ??= new()).Add(_finishWaiters[i].Done);
                _finishWaiters.RemoveAt(i);
            }
        }
        if (ready is not null) foreach (var waiter in ready) waiter.TrySetResult();
    }

    /// <inheritdoc />
    public ValueTask<bool> WhenDurableAsync(QueuedItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        TaskCompletionSource<bool> done;
        lock (_durableGate)
        {
            if (item.Sequence <= _durableUpTo) return ValueTask.FromResult(!_failed.Contains(item.Sequence));
            done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            _durableWaiters.Enqueue(done, item.Sequence);
        }
        return new ValueTask<bool>(done.Task.WaitAsync(cancellationToken));
    }

    /// <inheritdoc />
    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) => _ready.Reader.WaitToReadAsync(cancellationToken);

    /// <inheritdoc />
    public bool TryDequeue(out QueuedItem item)
    {
        if (!_ready.Reader.TryRead(out item!)) return false;
        var left = Interlocked.Decrement(ref _readyCount);
        if (_spilled && left < _options.ReadAhead / 2) _wake.Set();
        return true;
    }

    /// <inheritdoc />
    public ValueTask CompleteAsync(QueuedItem item, CancellationToken cancellationToken) => Change(new QueueOp(QueueOpKind.Complete, item.Sequence));

    /// <inheritdoc />
    public ValueTask RecordRetryAsync(QueuedItem item, CancellationToken cancellationToken) =>
        Change(new QueueOp(QueueOpKind.Retry, item.Sequence, item.Attempts, item.NotBefore, item.FirstTakenAt));

    /// <inheritdoc />
    public ValueTask DeadLetterAsync(QueuedItem item, string reason, CancellationToken cancellationToken) =>
        Change(new QueueOp(QueueOpKind.DeadLetter, item.Sequence, item.Attempts, Reason: reason));

    private ValueTask Change(QueueOp op)
    {
        if (op.Seq <= 0) return ValueTask.CompletedTask;
        lock (_gate) _ops.Add(op);
        _wake.Set();
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<DeadLetter>> ListDeadLettersAsync(int limit = 1_000, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        await _dbGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_stopping && _writer.IsCompleted, this);
            var list = new List<DeadLetter>();
            foreach (var (seq, failedAt, attempts, reason, record) in _db.DeadLetters(limit))
            {
                if (TryDecode(record, out var item))
                    list.Add(new DeadLetter(seq, failedAt, attempts, reason, item.Kind, item.MessageId, item.UserId, item.Metric, item.UniqueId));
                else
                    list.Add(new DeadLetter(seq, failedAt, attempts, reason, ItemKind.Message, "", null, null, null));
            }
            return list;
        }
        finally
        {
            _dbGate.Release();
        }
    }

    /// <inheritdoc />
    public Task<int> ReplayDeadLettersAsync(IEnumerable<long>? ids = null, CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopping, this);
            _replays.Enqueue((ids?.ToArray(), done));
        }
        _wake.Set();
        return done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Completes when no item is stored any more (each one delivered, rejected or dead-lettered) — what a drain waits for.</summary>
    public Task WaitUntilEmptyAsync(CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _damage) is { } damage) return Task.FromException(damage);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_durableGate) _emptyWaiters.Add(done);
        _wake.Set();
        return done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Tests: called on the writer after it took a round's work from the hand-off, before it waits for the database.</summary>
    internal Action? RoundTaken { get; set; }

    /// <summary>Tests: keeps the writer from reaching the database until the returned handle is disposed.</summary>
    internal async Task<IDisposable> HoldDatabaseAsync()
    {
        await _dbGate.WaitAsync().ConfigureAwait(false);
        return new Releaser(_dbGate);
    }

    private sealed class Releaser(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) gate.Release();
        }
    }

    /// <summary>Runs a PRAGMA on the queue's connection between commits (tests: <c>query_only</c>, <c>max_page_count</c> simulate a read-only or full disk).</summary>
    internal async Task<object?> PragmaAsync(string pragma)
    {
        await _dbGate.WaitAsync().ConfigureAwait(false);
        try { return _db.Pragma($"PRAGMA {pragma};"); }
        finally { _dbGate.Release(); }
    }

    /// <summary>
    /// Completes when everything handed to the queue before the call is processed: the changes committed, each new item
    /// committed or reported as not kept. While the database refuses writes it waits for them to be written.
    /// </summary>
    internal Task WhenWrittenAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopping, this);
            _barriers.Add(done);
        }
        _wake.Set();
        return done.Task;
    }

    /// <inheritdoc />
    public void Close()
    {
        lock (_gate) _closed = true;
        _readerClosed = true;
        _ready.Writer.TryComplete();
    }

    /// <summary>Commits what is still in the hand-off, closes the database and releases the path. Undelivered items stay on disk.</summary>
    public async ValueTask DisposeAsync()
    {
        Close();
        lock (_gate)
        {
            if (_stopping) return;
            _stopping = true;
        }
        _stopRequested.TrySetResult();
        _wake.Set();
        try
        {
            await _writer.ConfigureAwait(false);
        }
        finally
        {
            await _dbGate.WaitAsync().ConfigureAwait(false);
            if (_storedCount > 0) QueueLog.ClosedWithItems(_logger, Path, _storedCount);
            _db.Dispose();
            _lock.Dispose();
            _dbGate.Release();
            lock (_durableGate)
            {
                foreach (var waiter in _emptyWaiters) waiter.TrySetException(new ObjectDisposedException(nameof(SqliteEventQueue)));
                _emptyWaiters.Clear();
                while (_durableWaiters.TryDequeue(out var waiter, out _)) waiter.TrySetResult(false);
            }
            lock (_gate)
            {
                while (_replays.TryDequeue(out var replay)) replay.Done.TrySetException(new ObjectDisposedException(nameof(SqliteEventQueue)));
                foreach (var (_, waiter) in _finishWaiters) waiter.TrySetException(new ObjectDisposedException(nameof(SqliteEventQueue)));
                _finishWaiters.Clear();
            }
        }
    }

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
                Refill(reports);
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
            var over = storedBefore - freed + newBytes - _options.MaxBytes;
            if (over > 0 && _options.Overflow == QueueOverflowMode.DropOldest)
            {
                var after = _loadedUpTo;
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
            var dropOldest = _options.Overflow == QueueOverflowMode.DropOldest;
            for (var k = 0; k < items.Count && over > 0; k++)
            {
                var i = dropOldest ? k : items.Count - 1 - k;
                if (records[i] is null || failed.Contains(items[i].Sequence)) continue;
                failed.Add(items[i].Sequence);
                over -= records[i].Length;
                newBytes -= records[i].Length;
                reports.Add((items[i], dropOldest ? QueueRefusals.DroppedOldest(_options.MaxBytes) : QueueRefusals.OverBudgetAtCommit(_options.MaxBytes)));
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
            Interlocked.Add(ref _spilledCount, -victims.Count);
            foreach (var (seq, record) in victims)
            {
                if (!TryDecode(record, out var victim)) continue;
                victim.Sequence = seq;
                reports.Add((victim, QueueRefusals.DroppedOldest(_options.MaxBytes)));
            }
        }
        foreach (var item in items)
        {
            if (failed.Contains(item.Sequence)) continue;
            // Count before publishing: a reader may take the item the moment it is written.
            if (!_spilled && !_readerClosed && Volatile.Read(ref _readyCount) < _options.ReadAhead && Publish(item))
            {
                _loadedUpTo = Math.Max(_loadedUpTo, item.Sequence);
            }
            else
            {
                _spilled = true;
                Interlocked.Increment(ref _spilledCount);
            }
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
        List<TaskCompletionSource> waiting;
        lock (_durableGate)
        {
            waiting = [.. _emptyWaiters];
            _emptyWaiters.Clear();
        }
        lock (_gate)
        {
            waiting.AddRange(_finishWaiters.Select(w => w.Done));
            _finishWaiters.Clear();
        }
        foreach (var waiter in waiting) waiter.TrySetException(report);
    }

    /// <summary>Counts items from earlier runs that reached a final outcome (<see cref="ReloadedLeft"/>).</summary>
    private void ReloadedFinished(long count)
    {
        if (count > 0) Interlocked.Add(ref _reloadedLeft, -count);
    }

    /// <summary>Hands an item to the sender, counting it first so the count never goes below zero.</summary>
    private bool Publish(QueuedItem item)
    {
        Interlocked.Increment(ref _readyCount);
        if (_ready.Writer.TryWrite(item)) return true;
        Interlocked.Decrement(ref _readyCount);
        return false;
    }

    /// <summary>Completes the durability waiters of a processed group.</summary>
    private void Settle(List<QueuedItem> items, HashSet<long> failed)
    {
        if (items.Count == 0) return;
        List<(TaskCompletionSource<bool>, bool)>? ready = null;
        lock (_durableGate)
        {
            if (_failed.Count > 100_000) _failed.Clear();
            foreach (var seq in failed) _failed.Add(seq);
            _durableUpTo = Math.Max(_durableUpTo, items[^1].Sequence);
            while (_durableWaiters.TryPeek(out var waiter, out var seq) && seq <= _durableUpTo)
            {
                _durableWaiters.Dequeue();
                (ready ??= new()).Add((waiter, !_failed.Contains(seq)));
            }
        }
        if (ready is not null) foreach (var (waiter, ok) in ready) waiter.TrySetResult(ok);
    }

    /// <summary>Reads the next page of items waiting on disk into memory when the sender is running low.</summary>
    private void Refill(List<(QueuedItem Item, string Reason)> reports)
    {
        if (!_spilled || _readerClosed) return;
        var room = _options.ReadAhead - Volatile.Read(ref _readyCount);
        if (room < _options.ReadAhead / 2) return;
        var rows = _db.Page(_loadedUpTo, room);
        List<(long Seq, string Reason)>? unreadable = null;
        foreach (var row in rows)
        {
            _loadedUpTo = row.Seq;
            Interlocked.Decrement(ref _spilledCount);
            if (!TryDecode(row.Record, row.Checksum, out var item, out var damage))
            {
                (unreadable ??= new()).Add((row.Seq, damage));
                continue;
            }
            item.Sequence = row.Seq;
            item.Attempts = row.Attempts;
            item.NotBefore = row.NotBefore;
            item.FirstTakenAt = row.FirstTaken;
            if (!Publish(item)) break;
        }
        if (rows.Count < room)
        {
            _spilled = false;
            Interlocked.Exchange(ref _spilledCount, 0);
        }
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
        Interlocked.Add(ref _spilledCount, count);
        _spilled = true;
        QueueLog.Replayed(_logger, Path, count);
        return count;
    }

    private void ResolveEmptyWaiters()
    {
        List<TaskCompletionSource>? ready = null;
        lock (_durableGate)
        {
            if (_emptyWaiters.Count == 0 || Interlocked.Read(ref _storedCount) != 0 || Volatile.Read(ref _handOffCount) != 0) return;
            ready = [.. _emptyWaiters];
            _emptyWaiters.Clear();
        }
        foreach (var waiter in ready) waiter.TrySetResult();
    }

    private void ReportDropped(QueuedItem item, string reason)
    {
        if (item.Kind == ItemKind.Message) return;
        ItemDropped?.Invoke(this, new QueueItemDroppedEventArgs(item, reason));
    }

    private static bool TryDecode(byte[] record, out QueuedItem item) => TryDecode(record, null, out item, out _);

    /// <summary>
    /// Decodes a stored record, whatever is wrong with it: a checksum that does not match, or any exception of the
    /// decoder (damaged UTF-8, lengths past the end, huge numbers) makes it a corrupt record with the reason.
    /// </summary>
    private static bool TryDecode(byte[] record, long? checksum, out QueuedItem item, out string reason)
    {
        item = null!;
        if (checksum is { } expected && RecordChecksum.Of(record) != expected)
        {
            reason = "corrupt record: its bytes changed on disk since they were written (checksum mismatch); it was not sent.";
            return false;
        }
        try
        {
            item = QueuedItemCodec.Decode(record);
            reason = "";
            return true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            reason = ex is FormatException && ex.Message.Contains("version", StringComparison.Ordinal)
                ? $"The stored record could not be read: {ex.Message}"
                : $"corrupt record: {ex.Message}";
            return false;
        }
    }

    private static long Estimate(QueuedItem item) =>
        64 + item.Profile.Length + (item.Properties?.Length ?? 0) + 3L * (item.MessageId.Length + item.UserKey.Length + (item.UserId?.Length ?? 0)
            + (item.Metric?.Length ?? 0) + (item.UniqueId?.Length ?? 0) + (item.Currency?.Length ?? 0));
}
