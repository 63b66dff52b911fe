using System.Threading.Channels;

namespace Klaviyo.Destinations;

/// <summary>
/// A bounded in-memory queue: fast, but items are lost if the process dies. When full it refuses new items
/// (they are reported as rejected), so memory stays bounded.
/// </summary>
public sealed class InMemoryEventQueue : IEventQueue, IQueueFeedback
{
    private readonly Channel<QueuedItem> _channel;
    private long _sequence;
    private volatile bool _closed;

    /// <summary>Creates a queue holding at most <paramref name="capacity"/> items.</summary>
    public InMemoryEventQueue(int capacity = 100_000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _channel = Channel.CreateBounded<QueuedItem>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = false,
            SingleWriter = false,
        });
    }

    /// <summary>The most items the queue holds.</summary>
    public int Capacity { get; }

    /// <inheritdoc />
    public int Count => _channel.Reader.Count;

    /// <inheritdoc />
    public bool TryEnqueue(QueuedItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        item.Sequence = Interlocked.Increment(ref _sequence);
        return _channel.Writer.TryWrite(item);
    }

    /// <inheritdoc />
    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) => _channel.Reader.WaitToReadAsync(cancellationToken);

    /// <inheritdoc />
    public bool TryDequeue(out QueuedItem item) => _channel.Reader.TryRead(out item!);

    /// <inheritdoc />
    public ValueTask CompleteAsync(QueuedItem item, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <inheritdoc />
    public void Close()
    {
        _closed = true;
        _channel.Writer.TryComplete();
    }

    string IQueueFeedback.DescribeRefusal(QueuedItem item) => _closed
        ? "Analytics is shutting down; the item was not accepted."
        : $"The queue is full ({Capacity} items waiting); the item was refused. Raise QueueCapacity or check why delivery is slow.";

    Action<QueuedItem, string>? IQueueFeedback.Dropped { get; set; }

    Task IQueueFeedback.WhenStoredItemsFinishedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    long IQueueFeedback.ReloadedLeft => 0;

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Close();
        return ValueTask.CompletedTask;
    }
}
