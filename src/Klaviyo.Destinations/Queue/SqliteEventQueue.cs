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
/// The parts: this file is the queue's API and the hand-off; <c>SqliteEventQueue.Writer.cs</c> the group-commit writer;
/// <c>SqliteEventQueue.Commit.cs</c> one transaction; <see cref="ReadAheadCursor"/> the read side; <see cref="DiskBudget"/>
/// the budget rules; <see cref="DurabilityWaiters"/>, <see cref="WatermarkWaiters"/> and <see cref="EmptyWaiters"/> who
/// waits for what; test hooks are in <c>SqliteEventQueue.TestHooks.cs</c>.
/// </summary>
public sealed partial class SqliteEventQueue : IEventQueue
{
    private readonly SqliteEventQueueOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly QueueLock _lock;
    private readonly QueueDatabase _db;
    private readonly SemaphoreSlim _dbGate = new(1, 1);
    private readonly AsyncSignal _wake = new();
    private readonly ReadAheadCursor _cursor;
    private readonly DurabilityWaiters _durability = new();
    private readonly WatermarkWaiters _finishWaiters = new();
    private readonly EmptyWaiters _emptyWaiters = new();
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

    // Totals, written by the writer (under _dbGate), read anywhere.
    private long _storedBytes;
    private long _storedCount;
    private long _deadLetterCount;

    // Items stored by earlier runs.
    private readonly long _reloadedUpTo;
    private long _reloadedLeft;

    private KlaviyoConfigurationException? _damage;
    private readonly DiskReserve _reserve;
    private readonly TaskCompletionSource _stopRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);

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
        _cursor = new ReadAheadCursor(options.ReadAhead, _storedCount, _wake.Set);
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
    public int Count => (int)Math.Min(int.MaxValue, _cursor.ReadyCount + Volatile.Read(ref _handOffCount) + _cursor.SpilledCount);

    /// <summary>Items stored on disk that have no final outcome yet: waiting, or being sent.</summary>
    public long StoredCount => Interlocked.Read(ref _storedCount);

    /// <summary>Bytes of the items stored on disk (what <see cref="SqliteEventQueueOptions.MaxBytes"/> limits).</summary>
    public long StoredBytes => Interlocked.Read(ref _storedBytes);

    /// <summary>Items the queue holds in memory: accepted and not yet committed, plus committed and ready for the sender. Bounded by HandOffCapacity + ReadAhead.</summary>
    public int InMemoryCount => Volatile.Read(ref _handOffCount) + _cursor.ReadyCount;

    /// <inheritdoc />
    public long DeadLetterCount => Interlocked.Read(ref _deadLetterCount);

    /// <inheritdoc />
    public event EventHandler<QueueItemDroppedEventArgs>? ItemDropped;

    /// <summary>Items stored by an earlier run that have no final outcome yet.</summary>
    public long ReloadedLeft => Math.Max(0, Interlocked.Read(ref _reloadedLeft));

    /// <inheritdoc />
    public EnqueueResult Enqueue(QueuedItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var size = StoredRecords.Estimate(item);
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            if (_closed) return QueueRefusals.Closed();
            if (_inserts.Count >= _options.HandOffCapacity) return QueueRefusals.HandOffFull(_options.HandOffCapacity);
            if (!DiskBudget.Admits(Interlocked.Read(ref _storedBytes), _pendingBytes, _committingBytes, size, _options.MaxBytes, _options.Overflow))
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
        lock (_gate)
        {
            if (WatermarkLocked().Lowest > sequence) return Task.CompletedTask;
            if (Volatile.Read(ref _damage) is { } damage) return Task.FromException(damage);
            if (_stopping) return Task.FromException(new ObjectDisposedException(nameof(SqliteEventQueue)));
            // Added under _gate: the writer publishes under it too, so it cannot publish between the check and the add.
            return _finishWaiters.Add(sequence, cancellationToken);
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> WhenDurableAsync(QueuedItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        // An item this queue never accepted (no sequence yet) is not kept, whatever was stored before it.
        if (item.Sequence <= 0) return ValueTask.FromResult(false);
        return _durability.WhenDurableAsync(item.Sequence, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) => _cursor.WaitToReadAsync(cancellationToken);

    /// <inheritdoc />
    public bool TryDequeue(out QueuedItem item) => _cursor.TryTake(out item);

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
                if (StoredRecords.TryDecode(record, out var item))
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
        var done = _emptyWaiters.Add(cancellationToken);
        _wake.Set();
        return done;
    }

    /// <inheritdoc />
    public void Close()
    {
        lock (_gate) _closed = true;
        _cursor.Close();
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
            _emptyWaiters.FailAll(new ObjectDisposedException(nameof(SqliteEventQueue)));
            _durability.AbandonAll();
            _finishWaiters.FailAll(new ObjectDisposedException(nameof(SqliteEventQueue)));
            lock (_gate)
                while (_replays.TryDequeue(out var replay)) replay.Done.TrySetException(new ObjectDisposedException(nameof(SqliteEventQueue)));
        }
    }
}
