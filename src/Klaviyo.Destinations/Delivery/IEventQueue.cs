namespace Klaviyo.Destinations;

/// <summary>
/// Where accepted items wait for delivery: <see cref="InMemoryEventQueue"/> (fast, lost with the process) or
/// <see cref="SqliteEventQueue"/> (durable, see <c>docs/durability.md</c>). Implementations must be thread-safe and
/// hand items out in acceptance order (<see cref="QueuedItem.Sequence"/>), which is what keeps each person's items in
/// order.
/// </summary>
public interface IEventQueue : IAsyncDisposable
{
    /// <summary>
    /// Adds an item and gives it its <see cref="QueuedItem.Sequence"/>; never blocks on I/O. False when the queue refuses
    /// it (full, over its disk budget, or closed): the caller reports the item as rejected.
    /// </summary>
    bool TryEnqueue(QueuedItem item);

    /// <summary>Waits until an item can be taken; false when the queue is closed and empty.</summary>
    ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken);

    /// <summary>Takes the oldest waiting item, if any.</summary>
    bool TryDequeue(out QueuedItem item);

    /// <summary>Marks an item as finished (delivered or rejected); durable queues delete it here.</summary>
    ValueTask CompleteAsync(QueuedItem item, CancellationToken cancellationToken);

    /// <summary>Stops accepting items; waiting readers drain what is left.</summary>
    void Close();

    /// <summary>Items waiting (not yet taken).</summary>
    int Count { get; }

    /// <summary>
    /// Whether accepted items survive the process. When true, items still undelivered at shutdown stay in the queue
    /// (they are not reported as expired) and are delivered by the next owner of the queue.
    /// </summary>
    bool IsDurable => false;

    /// <summary>
    /// Completes when <paramref name="item"/> (already enqueued) is safe: committed to disk for a durable queue, at once
    /// for an in-memory one. False when the queue could not keep it (the item then gets a rejected outcome).
    /// </summary>
    ValueTask<bool> WhenDurableAsync(QueuedItem item, CancellationToken cancellationToken) => ValueTask.FromResult(true);

    /// <summary>
    /// Records a failed attempt that will be retried: <see cref="QueuedItem.Attempts"/> and the time of the next attempt,
    /// so that a restart neither retries too early nor forgets the attempts already made.
    /// </summary>
    ValueTask RecordRetryAsync(QueuedItem item, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>
    /// Finishes an item that reached the attempt or age cap. Durable queues keep it as a dead letter with
    /// <paramref name="reason"/> (list and replay them there); by default it is simply completed.
    /// </summary>
    ValueTask DeadLetterAsync(QueuedItem item, string reason, CancellationToken cancellationToken) => CompleteAsync(item, cancellationToken);
}
