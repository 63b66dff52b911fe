namespace Klaviyo.Destinations;

/// <summary>
/// Where accepted items wait for delivery. The in-memory queue is built in; a durable queue plugs in here.
/// Implementations must be thread-safe and keep items in acceptance order.
/// </summary>
public interface IEventQueue : IAsyncDisposable
{
    /// <summary>Adds an item; false when the queue refuses it (full or closed) — the caller reports the item as rejected.</summary>
    bool TryEnqueue(QueuedItem item);

    /// <summary>Waits until an item can be taken; false when the queue is closed and empty.</summary>
    ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken);

    /// <summary>Takes the oldest waiting item, if any.</summary>
    bool TryDequeue(out QueuedItem item);

    /// <summary>Marks an item as finished (delivered, rejected or expired); durable queues delete it here.</summary>
    ValueTask CompleteAsync(QueuedItem item, CancellationToken cancellationToken);

    /// <summary>Stops accepting items; waiting readers drain what is left.</summary>
    void Close();

    /// <summary>Items waiting (not yet taken).</summary>
    int Count { get; }
}
