namespace Klaviyo.Destinations;

/// <summary>
/// A queue's watermark and backlog (<see cref="IEventQueue.Backlog"/>).
/// </summary>
/// <param name="LastSequence">The highest sequence accepted so far (0 when none): what a flush waits for.</param>
/// <param name="LowestUnfinished">
/// The watermark: the lowest sequence not yet finished; every lower one is finished. <c>LastSequence + 1</c> when every
/// accepted item is finished.
/// </param>
/// <param name="Unfinished">Items accepted and not yet finished: waiting, being sent, or kept from an earlier run.</param>
/// <param name="OldestUnfinishedAt">
/// When the queue accepted its oldest unfinished item (the one at <paramref name="LowestUnfinished"/>); null when every
/// item is finished. Now minus this is the backlog's age.
/// </param>
public readonly record struct QueueBacklog(long LastSequence, long LowestUnfinished, long Unfinished, DateTimeOffset? OldestUnfinishedAt)
{
    /// <summary>Whether every item with a sequence up to <paramref name="sequence"/> is finished.</summary>
    public bool IsFinishedThrough(long sequence) => LowestUnfinished > sequence;

    /// <summary>How long the oldest unfinished item has waited at <paramref name="now"/>; zero when nothing is unfinished.</summary>
    public TimeSpan AgeAt(DateTimeOffset now) => OldestUnfinishedAt is { } at && now > at ? now - at : TimeSpan.Zero;
}
