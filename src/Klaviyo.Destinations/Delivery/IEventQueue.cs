namespace Klaviyo.Destinations;

/// <summary>
/// Where accepted items wait for delivery, and the whole contract between a queue and the delivery pipeline:
/// <see cref="InMemoryEventQueue"/> (fast, lost with the process), <see cref="SqliteEventQueue"/> (durable, see
/// <c>docs/durability.md</c>), or your own (pass it to <see cref="Analytics"/> or register it as an
/// <see cref="IEventQueue"/> singleton before <c>AddKlaviyoDestinations</c>). The destination owns the queue it is given
/// and disposes it.
/// <para><b>Threading.</b> Every member is thread-safe. <see cref="Enqueue"/> is called on the app's threads, must never
/// block on I/O and is called concurrently; one dispatcher calls <see cref="WaitToReadAsync"/>/<see cref="TryDequeue"/>;
/// <see cref="CompleteAsync"/>, <see cref="RecordRetryAsync"/> and <see cref="DeadLetterAsync"/> come from several
/// batch tasks at once.</para>
/// <para><b>Ordering.</b> <see cref="Enqueue"/> gives each accepted item its <see cref="QueuedItem.Sequence"/>: positive,
/// strictly increasing in acceptance order, never reused. <see cref="TryDequeue"/> hands items out in sequence order
/// (which keeps each person's items in order). Items finish in any order.</para>
/// <para><b>Finished and the watermark.</b> An accepted item is <i>unfinished</i> until it is completed
/// (<see cref="CompleteAsync"/>), dead-lettered (<see cref="DeadLetterAsync"/>) or given up by the queue itself (raised
/// through <see cref="ItemDropped"/> first). Taking an item does not finish it. <see cref="QueueBacklog.LowestUnfinished"/>
/// is the watermark: every item with a lower sequence is finished. A flush is a sequence: it reads
/// <see cref="QueueBacklog.LastSequence"/> and waits with <see cref="WhenFinishedAsync"/> for the watermark to pass it, so it
/// covers every item accepted before it, including items of an earlier run a durable queue reloaded and replayed dead
/// letters, and is not held up by items accepted later.</para>
/// <para><b>Durable</b> (<see cref="IsDurable"/>): an accepted item survives the process (crash or restart) until it is
/// finished; <see cref="WhenDurableAsync"/> says when that holds for an item; <see cref="RecordRetryAsync"/> keeps the retry
/// state across restarts; items still unfinished at shutdown stay in the queue for its next owner (they get no outcome).
/// A queue that is not durable loses what it holds with the process, and the pipeline reports what is left at
/// shutdown as expired.</para>
/// </summary>
public interface IEventQueue : IAsyncDisposable
{
    /// <summary>
    /// Accepts <paramref name="item"/> and sets its <see cref="QueuedItem.Sequence"/>, or refuses it with the reason
    /// (full, over its budget, closed). Never blocks on I/O. A refused item is not in the queue and has no sequence; the
    /// caller reports it as rejected with <see cref="EnqueueResult.Reason"/>.
    /// </summary>
    EnqueueResult Enqueue(QueuedItem item);

    /// <summary>Waits until an item can be taken; false when the queue is closed and nothing is left to take.</summary>
    ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken);

    /// <summary>Takes the waiting item with the lowest sequence, if any. The item stays unfinished until it is completed or dead-lettered.</summary>
    bool TryDequeue(out QueuedItem item);

    /// <summary>Finishes an item (delivered, rejected or skipped): a durable queue deletes it. Finishing an item twice is harmless.</summary>
    ValueTask CompleteAsync(QueuedItem item, CancellationToken cancellationToken);

    /// <summary>
    /// Records a failed attempt that will be retried: <see cref="QueuedItem.Attempts"/> and the time of the next attempt,
    /// so that a restart neither retries too early nor forgets the attempts already made. The item stays unfinished.
    /// A queue that is not durable may ignore it.
    /// </summary>
    ValueTask RecordRetryAsync(QueuedItem item, CancellationToken cancellationToken);

    /// <summary>
    /// Finishes an item that reached the attempt or age cap, keeping it as a dead letter with <paramref name="reason"/>
    /// (<see cref="ListDeadLettersAsync"/>, <see cref="ReplayDeadLettersAsync"/>). A queue may keep a bounded number of
    /// dead letters and forget the oldest.
    /// </summary>
    ValueTask DeadLetterAsync(QueuedItem item, string reason, CancellationToken cancellationToken);

    /// <summary>
    /// Completes when <paramref name="item"/> (accepted by <see cref="Enqueue"/>) is safe: stored for a durable queue, at
    /// once for an in-memory one. False when the queue could not keep it (it is then raised through
    /// <see cref="ItemDropped"/> before this completes).
    /// </summary>
    ValueTask<bool> WhenDurableAsync(QueuedItem item, CancellationToken cancellationToken);

    /// <summary>
    /// Completes when every item with a sequence up to <paramref name="sequence"/> is finished (the watermark is past it);
    /// at once when it already is. Fails with the queue's error when the queue can no longer tell (a damaged store), and
    /// with <see cref="ObjectDisposedException"/> when the queue is disposed first.
    /// </summary>
    Task WhenFinishedAsync(long sequence, CancellationToken cancellationToken);

    /// <summary>
    /// The watermark and backlog, read cheaply (no I/O on the caller's thread: a health check and a metrics gauge read it).
    /// A snapshot: each field is exact as of the moment it was read.
    /// </summary>
    QueueBacklog Backlog { get; }

    /// <summary>
    /// Raised for an accepted item the queue gives up without delivering it (its store failed, or it was dropped to stay
    /// within a budget), with the reason. Raised before the item counts as finished, so a flush that completes has seen it;
    /// raised on the queue's own thread: handlers must be quick and must not throw.
    /// </summary>
    event EventHandler<QueueItemDroppedEventArgs>? ItemDropped;

    /// <summary>Stops accepting items (later ones are refused as shutting down); waiting readers drain what is left.</summary>
    void Close();

    /// <summary>Items waiting to be taken (not the ones taken and unfinished; see <see cref="Backlog"/> for those).</summary>
    int Count { get; }

    /// <summary>Whether accepted items survive the process (see the durability rules above).</summary>
    bool IsDurable { get; }

    /// <summary>Dead letters kept.</summary>
    long DeadLetterCount { get; }

    /// <summary>Dead letters kept, oldest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<DeadLetter>> ListDeadLettersAsync(int limit = 1_000, CancellationToken cancellationToken = default);

    /// <summary>
    /// Puts dead letters back in the queue (all of them, or those whose <see cref="DeadLetter.Id"/> is in
    /// <paramref name="ids"/>) with their attempts reset; they get new sequences, go to the back of the queue and are
    /// sent like new items. Returns how many were replayed.
    /// </summary>
    Task<int> ReplayDeadLettersAsync(IEnumerable<long>? ids = null, CancellationToken cancellationToken = default);
}
