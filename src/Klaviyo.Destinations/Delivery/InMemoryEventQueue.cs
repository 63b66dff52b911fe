using System.Threading.Channels;

namespace Klaviyo.Destinations;

/// <summary>
/// A bounded in-memory queue: fast, but items are lost if the process dies. When full it refuses new items
/// (they are reported as rejected), so memory stays bounded. Dead letters are kept in memory too (at most
/// <see cref="MaxDeadLetters"/>, the oldest forgotten first) and can be listed and replayed while the process runs.
/// </summary>
public sealed class InMemoryEventQueue : IEventQueue
{
    private readonly Channel<QueuedItem> _channel;
    private readonly SequenceWatermark _watermark = new();
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly LinkedList<(DeadLetter Letter, QueuedItem Item)> _deadLetters = new();
    private bool _closed;

    /// <summary>Creates a queue holding at most <paramref name="capacity"/> waiting items.</summary>
    /// <param name="capacity">Waiting items held at most; more are refused.</param>
    /// <param name="timeProvider">The clock for acceptance and dead-letter times; <see cref="TimeProvider.System"/> when null.</param>
    /// <param name="maxDeadLetters">Dead letters kept at most.</param>
    public InMemoryEventQueue(int capacity = 100_000, TimeProvider? timeProvider = null, int maxDeadLetters = 1_000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDeadLetters, 1);
        Capacity = capacity;
        MaxDeadLetters = maxDeadLetters;
        _time = timeProvider ?? TimeProvider.System;
        _channel = Channel.CreateBounded<QueuedItem>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = false,
            SingleWriter = false,
        });
    }

    /// <summary>The most items the queue holds waiting.</summary>
    public int Capacity { get; }

    /// <summary>The most dead letters kept.</summary>
    public int MaxDeadLetters { get; }

    /// <inheritdoc />
    public int Count => _channel.Reader.Count;

    /// <inheritdoc />
    public bool IsDurable => false;

    /// <inheritdoc />
    public QueueBacklog Backlog => _watermark.Snapshot();

    /// <inheritdoc />
    public long DeadLetterCount
    {
        get { lock (_deadLetters) return _deadLetters.Count; }
    }

    /// <inheritdoc />
    /// <remarks>The in-memory queue never gives up an accepted item by itself: this is never raised.</remarks>
    public event EventHandler<QueueItemDroppedEventArgs>? ItemDropped
    {
        add { }
        remove { }
    }

    /// <inheritdoc />
    public EnqueueResult Enqueue(QueuedItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        // One writer at a time: sequences reach the channel in the order they are given (readers only make room).
        lock (_gate)
        {
            if (_closed) return QueueRefusals.Closed();
            if (_channel.Reader.Count >= Capacity) return QueueRefusals.MemoryFull(Capacity);
            item.Sequence = _watermark.Open(_time.GetUtcNow());
            if (_channel.Writer.TryWrite(item)) return EnqueueResult.Ok(item.Sequence);
            _watermark.Finish(item.Sequence);
            return QueueRefusals.MemoryFull(Capacity);
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) => _channel.Reader.WaitToReadAsync(cancellationToken);

    /// <inheritdoc />
    public bool TryDequeue(out QueuedItem item) => _channel.Reader.TryRead(out item!);

    /// <inheritdoc />
    public ValueTask CompleteAsync(QueuedItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        _watermark.Finish(item.Sequence);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    /// <remarks>Nothing to keep: the item's attempts live in the item itself.</remarks>
    public ValueTask RecordRetryAsync(QueuedItem item, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <inheritdoc />
    public ValueTask DeadLetterAsync(QueuedItem item, string reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (_watermark.Finish(item.Sequence))
        {
            var letter = new DeadLetter(item.Sequence, _time.GetUtcNow(), item.Attempts, reason, item.Kind, item.MessageId, item.UserId, item.Metric, item.UniqueId);
            lock (_deadLetters)
            {
                _deadLetters.AddLast((letter, item));
                while (_deadLetters.Count > MaxDeadLetters) _deadLetters.RemoveFirst();
            }
        }
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<bool> WhenDurableAsync(QueuedItem item, CancellationToken cancellationToken) => ValueTask.FromResult(true);

    /// <inheritdoc />
    public Task WhenFinishedAsync(long sequence, CancellationToken cancellationToken) => _watermark.WhenFinishedAsync(sequence, cancellationToken);

    /// <inheritdoc />
    public Task<IReadOnlyList<DeadLetter>> ListDeadLettersAsync(int limit = 1_000, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        lock (_deadLetters) return Task.FromResult<IReadOnlyList<DeadLetter>>([.. _deadLetters.Take(limit).Select(d => d.Letter)]);
    }

    /// <inheritdoc />
    /// <remarks>Dead letters that do not fit (the queue is full or closed) stay dead letters.</remarks>
    public Task<int> ReplayDeadLettersAsync(IEnumerable<long>? ids = null, CancellationToken cancellationToken = default)
    {
        var wanted = ids?.ToHashSet();
        List<(DeadLetter Letter, QueuedItem Item)> chosen;
        lock (_deadLetters)
        {
            chosen = [.. _deadLetters.Where(d => wanted is null || wanted.Contains(d.Letter.Id))];
            foreach (var letter in chosen) _deadLetters.Remove(letter);
        }
        var replayed = 0;
        foreach (var (letter, item) in chosen)
        {
            item.Attempts = 0;
            item.NotBefore = null;
            item.FirstTakenAt = null;
            if (Enqueue(item).Accepted)
            {
                replayed++;
                continue;
            }
            lock (_deadLetters) _deadLetters.AddFirst((letter, item));
        }
        return Task.FromResult(replayed);
    }

    /// <inheritdoc />
    public void Close()
    {
        lock (_gate) _closed = true;
        _channel.Writer.TryComplete();
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Close();
        _watermark.Fail(new ObjectDisposedException(nameof(InMemoryEventQueue)));
        return ValueTask.CompletedTask;
    }
}
