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

    /// <summary>
    /// Completes when every item stored when it was called has a final outcome, including items no caller of this run
    /// handed over (left by an earlier run, or replayed dead letters). At once for a queue that keeps nothing.
    /// </summary>
    Task WhenStoredItemsFinishedAsync(CancellationToken cancellationToken);

    /// <summary>Items from an earlier run still without a final outcome.</summary>
    long ReloadedLeft { get; }
}
