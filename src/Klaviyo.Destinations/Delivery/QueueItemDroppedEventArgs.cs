namespace Klaviyo.Destinations;

/// <summary>An accepted item a queue gave up without delivering it (<see cref="IEventQueue.ItemDropped"/>).</summary>
/// <param name="item">The item (its <see cref="QueuedItem.Sequence"/> is set).</param>
/// <param name="reason">Why, in words for the item's outcome.</param>
public sealed class QueueItemDroppedEventArgs(QueuedItem item, string reason) : EventArgs
{
    /// <summary>The item (its <see cref="QueuedItem.Sequence"/> is set).</summary>
    public QueuedItem Item { get; } = item;

    /// <summary>Why the queue gave it up, in words for the item's outcome.</summary>
    public string Reason { get; } = reason;
}
