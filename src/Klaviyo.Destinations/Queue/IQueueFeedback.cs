namespace Klaviyo.Destinations;

/// <summary>
/// What a queue tells the destination beyond <see cref="IEventQueue"/>: why it refused an item, and items it gave up
/// after accepting them (a failed disk write, or the oldest items dropped by <see cref="QueueOverflowMode.DropOldest"/>).
/// </summary>
internal interface IQueueFeedback
{
    /// <summary>Why <see cref="IEventQueue.TryEnqueue"/> just refused <paramref name="item"/>, in words for the outcome.</summary>
    string DescribeRefusal(QueuedItem item);

    /// <summary>Called (on the queue's writer thread) for each accepted item the queue will not deliver, with the reason.</summary>
    Action<QueuedItem, string>? Dropped { get; set; }

    /// <summary>Completes when every item a durable queue found from an earlier run has a final outcome (at once when there were none).</summary>
    Task ReloadedItemsFinished { get; }

    /// <summary>Items from an earlier run still without a final outcome.</summary>
    long ReloadedLeft { get; }
}
