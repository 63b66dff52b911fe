namespace Klaviyo.Destinations.Redis;

/// <summary>
/// Which buffered items a write round of <see cref="RedisEventQueue"/> sends, and which of them count as stored, partition
/// by partition. On a multi-node Redis Cluster the partitions live on different nodes, and one node down fails only the
/// writes of its partitions: they hold back their own items, never another partition's.
/// </summary>
internal static class PartitionedWrites
{
    /// <summary>
    /// Up to <paramref name="max"/> items in buffer (acceptance) order; of a partition whose last write failed, only its
    /// oldest item (a probe), so that a partition that cannot be written does not fill the round and starve the others.
    /// </summary>
    public static List<T> Select<T>(IEnumerable<T> buffer, Func<T, int> partitionOf, IReadOnlySet<int> failing, int max)
    {
        var batch = new List<T>();
        HashSet<int>? probed = null;
        foreach (var item in buffer)
        {
            if (batch.Count >= max) break;
            var partition = partitionOf(item);
            if (failing.Contains(partition) && !(probed ??= []).Add(partition)) continue;
            batch.Add(item);
        }
        return batch;
    }

    /// <summary>
    /// Which items of a round are stored: of each partition, those before its first failed write. A later item of that
    /// partition is sent again even if Redis stored it, so that no item of a person lands before an earlier one that
    /// failed (the append script adds nothing Redis already has, see <see cref="StreamAppend"/>).
    /// </summary>
    /// <param name="batch">The round's items, in the order they were sent.</param>
    /// <param name="partitionOf">An item's partition.</param>
    /// <param name="written">Whether Redis confirmed each item's write.</param>
    /// <param name="failed">Receives the partitions with an item not stored.</param>
    public static bool[] Stored<T>(IReadOnlyList<T> batch, Func<T, int> partitionOf, IReadOnlyList<bool> written, ISet<int> failed)
    {
        var stored = new bool[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            var partition = partitionOf(batch[i]);
            if (written[i] && !failed.Contains(partition)) stored[i] = true;
            else failed.Add(partition);
        }
        return stored;
    }
}
