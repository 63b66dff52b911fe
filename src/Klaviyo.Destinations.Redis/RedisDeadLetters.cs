using StackExchange.Redis;

namespace Klaviyo.Destinations.Redis;

/// <summary>
/// The dead letters of a <see cref="RedisEventQueue"/>, listed, replayed and purged without joining the queue as a
/// replica (no lease, no heartbeat): what <c>klaviyo-dest dead-letters --redis</c> uses while the replicas keep running.
/// A replayed item is added to its partition stream like a newly accepted one (with a sequence from a replica number of
/// its own), and the replica holding the partition delivers it.
/// </summary>
internal sealed class RedisDeadLetters
{
    private const int MaxPartitions = 1024;

    private readonly IDatabase _db;
    private readonly RedisQueueKeys _keys;

    private RedisDeadLetters(IDatabase db, string keyPrefix, int partitions)
    {
        _db = db;
        KeyPrefix = keyPrefix;
        Partitions = partitions;
        _keys = new RedisQueueKeys(keyPrefix, partitions);
    }

    /// <summary>The queue's full key prefix (with the account part).</summary>
    public string KeyPrefix { get; }

    /// <summary>The queue's partitions (its partition streams found in Redis).</summary>
    public int Partitions { get; }

    /// <summary>
    /// Finds the queue whose keys start with <paramref name="keyPrefix"/> (the replicas' <c>Queue:KeyPrefix</c> plus the
    /// account part) by its partition streams, which every replica creates when it opens the queue; null when there is none.
    /// </summary>
    public static async Task<RedisDeadLetters?> FindAsync(IConnectionMultiplexer redis, string keyPrefix)
    {
        ArgumentNullException.ThrowIfNull(redis);
        var db = redis.GetDatabase();
        var probe = new RedisQueueKeys(keyPrefix, MaxPartitions);
        // One EXISTS per stream (each in its own cluster slot), pipelined.
        var exists = Enumerable.Range(0, MaxPartitions).Select(i => db.KeyExistsAsync(probe.Stream(i))).ToArray();
        await Task.WhenAll(exists).ConfigureAwait(false);
        var partitions = 0;
        while (partitions < MaxPartitions && exists[partitions].Result) partitions++;
        if (partitions == 0) return null;
        var letters = new RedisDeadLetters(db, keyPrefix, partitions);
        await letters.MoveStagedAsync().ConfigureAwait(false);
        return letters;
    }

    /// <summary>
    /// Moves the letters staged in the partitions to the dead-letter list: decided dead letters whose replica died (or lost
    /// Redis) before it moved them, and that no replica has taken over yet (none is running, or none took the partition).
    /// Each goes to the list at most once, whoever moves it. Nothing is trimmed here (the replicas keep their
    /// <c>MaxDeadLetters</c> on their next letter).
    /// </summary>
    private async Task MoveStagedAsync()
    {
        var staged = Enumerable.Range(0, Partitions).Select(i => _db.HashGetAllAsync(_keys.Letters(i))).ToArray();
        await Task.WhenAll(staged).ConfigureAwait(false);
        for (var partition = 0; partition < Partitions; partition++)
        {
            foreach (var letter in staged[partition].Result)
                await RedisEventQueue.MoveStagedLetterAsync(_db, _keys, partition, letter.Name, letter.Value, NoTrim).ConfigureAwait(false);
        }
    }

    /// <summary>A list length no queue reaches: moving a letter here trims nothing.</summary>
    private const long NoTrim = 1_000_000_000;

    /// <summary>The dead letters kept, oldest first, at most <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<DeadLetter>> ListAsync(int limit)
    {
        if (limit <= 0) return [];
        var raw = await _db.ListRangeAsync(_keys.Dead, 0, limit - 1).ConfigureAwait(false);
        return [.. raw.Select(r => RedisEventQueue.ReadLetter(r).Letter)];
    }

    /// <summary>
    /// Puts the dead letters (all, or those with an id in <paramref name="ids"/>) back into their partition streams with
    /// their attempts reset, and removes them from the dead letters. Letters without a readable record stay. Returns how
    /// many were replayed. A failure between the two steps leaves a replayed letter in the list (replayed again later:
    /// at least once; Klaviyo dedupes events by unique_id).
    /// </summary>
    public async Task<int> ReplayAsync(IReadOnlyCollection<long>? ids, TimeProvider time)
    {
        var all = await _db.ListRangeAsync(_keys.Dead, 0, -1).ConfigureAwait(false);
        long? instance = null;
        long sequence = 0;
        var replayed = 0;
        var wanted = ids?.ToHashSet();
        foreach (var raw in all)
        {
            if (RedisEventQueue.ReplayableItem(raw, wanted) is not { } item) continue;
            if (instance is null)
            {
                // A replica number of its own, as a replica takes when it opens the queue: sequences no replica uses.
                instance = await _db.StringIncrementAsync(_keys.Replicas).ConfigureAwait(false);
                sequence = instance.Value * RedisEventQueue.SequenceRange;
            }
            var partition = RedisEventQueue.PartitionOf(item.UserKey, Partitions);
            await _db.StreamAddAsync(_keys.Stream(partition), RedisEventQueue.EntryFields(++sequence, time.GetUtcNow(), instance.Value, item)).ConfigureAwait(false);
            await _db.ListRemoveAsync(_keys.Dead, raw, 1).ConfigureAwait(false);
            replayed++;
        }
        return replayed;
    }

    /// <summary>Deletes the dead letters (all, or those with an id in <paramref name="ids"/>); returns how many were deleted.</summary>
    public async Task<long> PurgeAsync(IReadOnlyCollection<long>? ids)
    {
        var all = await _db.ListRangeAsync(_keys.Dead, 0, -1).ConfigureAwait(false);
        long purged = 0;
        foreach (var raw in all)
        {
            if (ids is not null && !ids.Contains(RedisEventQueue.ReadLetter(raw).Letter.Id)) continue;
            purged += await _db.ListRemoveAsync(_keys.Dead, raw, 1).ConfigureAwait(false);
        }
        return purged;
    }
}
