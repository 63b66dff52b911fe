namespace Klaviyo.Destinations;

/// <summary>
/// The durable queue's disk budget as pure decisions (<see cref="SqliteEventQueueOptions.MaxBytes"/>,
/// <see cref="SqliteEventQueueOptions.Overflow"/>): whether an item is accepted, how far a commit goes over, and which of
/// a commit's new items are given up when it still does after the oldest stored items were dropped.
/// </summary>
internal static class DiskBudget
{
    /// <summary>
    /// At acceptance: whether an item of <paramref name="size"/> fits next to what is stored, waiting in the hand-off and
    /// being committed. With <see cref="QueueOverflowMode.DropOldest"/> every item is accepted (older ones make room).
    /// </summary>
    public static bool Admits(long stored, long pending, long committing, long size, long maxBytes, QueueOverflowMode mode) =>
        mode != QueueOverflowMode.RefuseNew || stored + pending + committing + size <= maxBytes;

    /// <summary>Bytes a commit would be over the budget (zero or less: within it).</summary>
    public static long Excess(long storedBefore, long freed, long newBytes, long maxBytes) => storedBefore - freed + newBytes - maxBytes;

    /// <summary>
    /// The new items a commit gives up while it is still <paramref name="over"/> the budget: the oldest first with
    /// <see cref="QueueOverflowMode.DropOldest"/> (every stored item is already being sent), the newest first with
    /// <see cref="QueueOverflowMode.RefuseNew"/> (the estimate at acceptance was short). <paramref name="sizes"/> has the
    /// size of each new item's record, or null for an item that is not written anyway. Returns their indexes.
    /// </summary>
    public static List<int> NewItemsToGiveUp(IReadOnlyList<long?> sizes, long over, QueueOverflowMode mode)
    {
        var chosen = new List<int>();
        for (var k = 0; k < sizes.Count && over > 0; k++)
        {
            var i = mode == QueueOverflowMode.DropOldest ? k : sizes.Count - 1 - k;
            if (sizes[i] is not { } size) continue;
            chosen.Add(i);
            over -= size;
        }
        return chosen;
    }
}
