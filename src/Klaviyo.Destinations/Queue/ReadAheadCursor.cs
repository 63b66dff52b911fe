using System.Threading.Channels;

namespace Klaviyo.Destinations;

/// <summary>
/// The durable queue's read side: committed items ready for the sender, in sequence order, at most
/// <see cref="SqliteEventQueueOptions.ReadAhead"/> of them in memory. Items that do not fit (a backlog) are "spilled": they
/// wait on disk and <see cref="Refill"/> reads them back in pages after <see cref="LoadedUpTo"/>, so memory stays bounded
/// during an outage. Only the writer adds items (<see cref="Offer"/>, <see cref="Refill"/>, <see cref="Spill"/>);
/// any thread takes them.
/// </summary>
internal sealed class ReadAheadCursor
{
    private readonly Channel<QueuedItem> _ready = Channel.CreateUnbounded<QueuedItem>(new UnboundedChannelOptions { SingleReader = false, SingleWriter = true });
    private readonly int _readAhead;
    private readonly Action _runningLow;
    private long _loadedUpTo;
    private volatile bool _spilled;
    private volatile bool _closed;
    private long _spilledCount;
    private int _readyCount;

    /// <param name="readAhead">Items held in memory at most.</param>
    /// <param name="stored">Items already on disk at open (all spilled: read back in pages).</param>
    /// <param name="runningLow">Called on the taking thread when spilled items wait and fewer than half the read-ahead is left.</param>
    public ReadAheadCursor(int readAhead, long stored, Action runningLow)
    {
        _readAhead = readAhead;
        _runningLow = runningLow;
        _spilledCount = stored;
        _spilled = stored > 0;
    }

    /// <summary>Items ready in memory.</summary>
    public int ReadyCount => Volatile.Read(ref _readyCount);

    /// <summary>Items waiting on disk, not yet read back.</summary>
    public long SpilledCount => Interlocked.Read(ref _spilledCount);

    /// <summary>The highest sequence read into memory (writer only): stored items after it have not been handed out.</summary>
    public long LoadedUpTo => _loadedUpTo;

    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) => _ready.Reader.WaitToReadAsync(cancellationToken);

    public bool TryTake(out QueuedItem item)
    {
        if (!_ready.Reader.TryRead(out item!)) return false;
        var left = Interlocked.Decrement(ref _readyCount);
        if (_spilled && left < _readAhead / 2) _runningLow();
        return true;
    }

    /// <summary>A newly committed item: straight to memory when nothing waits on disk before it and there is room; else spilled.</summary>
    public void Offer(QueuedItem item)
    {
        if (!_spilled && !_closed && Volatile.Read(ref _readyCount) < _readAhead && Publish(item))
        {
            _loadedUpTo = Math.Max(_loadedUpTo, item.Sequence);
            return;
        }
        _spilled = true;
        Interlocked.Increment(ref _spilledCount);
    }

    /// <summary>Items stored behind the cursor (replayed dead letters): read back from disk in their turn.</summary>
    public void Spill(int count)
    {
        Interlocked.Add(ref _spilledCount, count);
        _spilled = true;
    }

    /// <summary>Spilled items deleted before they were read back (dropped to stay within the disk budget).</summary>
    public void Forget(int count) => Interlocked.Add(ref _spilledCount, -count);

    /// <summary>
    /// Reads the next page of spilled items into memory when the sender is running low (writer only). Returns the rows
    /// that could not be read (with the reason), for the caller to move to the dead letters.
    /// </summary>
    public List<(long Seq, string Reason)>? Refill(Func<long, int, List<StoredRow>> page)
    {
        if (!_spilled || _closed) return null;
        var room = _readAhead - Volatile.Read(ref _readyCount);
        if (room < _readAhead / 2) return null;
        var rows = page(_loadedUpTo, room);
        List<(long Seq, string Reason)>? unreadable = null;
        foreach (var row in rows)
        {
            _loadedUpTo = row.Seq;
            Interlocked.Decrement(ref _spilledCount);
            if (!StoredRecords.TryDecode(row.Record, row.Checksum, out var item, out var damage))
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
        return unreadable;
    }

    /// <summary>No more items for the sender: waiting readers drain what is in memory.</summary>
    public void Close()
    {
        _closed = true;
        _ready.Writer.TryComplete();
    }

    /// <summary>Hands an item to the sender, counting it first so the count never goes below zero.</summary>
    private bool Publish(QueuedItem item)
    {
        Interlocked.Increment(ref _readyCount);
        if (_ready.Writer.TryWrite(item)) return true;
        Interlocked.Decrement(ref _readyCount);
        return false;
    }
}
