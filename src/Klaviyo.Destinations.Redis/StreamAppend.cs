using System.Globalization;
using StackExchange.Redis;

namespace Klaviyo.Destinations.Redis;

/// <summary>
/// Adds one replica's items to one partition stream, in that replica's acceptance order, so that sending the same items
/// again can neither duplicate them nor put an earlier item after a later one. A script keeps, per partition and accepting
/// replica, the highest item number it has added (the <i>mark</i>) and adds only items above it: a write re-sent after its
/// answer was lost (Redis had added the items) adds nothing, and a write that Redis runs late (after a later one of the
/// same replica) adds nothing either. Each script run is atomic, and the writer sends a partition's items from the oldest
/// one not yet confirmed, so every item below the mark is in the stream once, in order.
/// </summary>
internal static class StreamAppend
{
    /// <summary>
    /// KEYS: the partition stream, the mark of this replica in that partition. ARGV: the replica number, the mark's
    /// lifetime in ms, then per item its sequence, its number within the replica (increasing), its acceptance time (ticks)
    /// and its record. Answers how many items it added.
    /// </summary>
    private const string Script = """
        local mark = tonumber(redis.call('GET', KEYS[2]) or '0')
        local added = 0
        for i = 3, #ARGV, 4 do
          local n = tonumber(ARGV[i + 1])
          if n > mark then
            redis.call('XADD', KEYS[1], '*', 's', ARGV[i], 't', ARGV[i + 2], 'o', ARGV[1], 'd', ARGV[i + 3])
            mark = n
            added = added + 1
          end
        end
        redis.call('SET', KEYS[2], mark, 'PX', ARGV[2])
        return added
        """;

    /// <summary>
    /// How long a mark outlives its replica's last write (a day): longer than any write of that replica can still be on
    /// its way or re-sent (its buffer is re-sent every <see cref="RedisEventQueueOptions.RetryInterval"/> while Redis cannot
    /// be reached).
    /// </summary>
    public static readonly TimeSpan MarkLifetime = TimeSpan.FromDays(1);

    /// <summary>One item to add: its sequence, its number within the accepting replica (sequence minus the replica's range start), when it was accepted, its record.</summary>
    internal readonly record struct Entry(long Sequence, long Number, long AcceptedTicks, byte[] Record);

    /// <summary>Adds <paramref name="items"/> (increasing numbers) of replica <paramref name="replica"/> to <paramref name="stream"/>; answers how many were new.</summary>
    public static async Task<long> AddAsync(IDatabaseAsync db, RedisKey stream, RedisKey mark, long replica, IReadOnlyList<Entry> items)
    {
        var args = new RedisValue[2 + items.Count * 4];
        args[0] = replica;
        args[1] = (long)MarkLifetime.TotalMilliseconds;
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            args[2 + i * 4] = item.Sequence.ToString(CultureInfo.InvariantCulture);
            args[3 + i * 4] = item.Number.ToString(CultureInfo.InvariantCulture);
            args[4 + i * 4] = item.AcceptedTicks.ToString(CultureInfo.InvariantCulture);
            args[5 + i * 4] = item.Record;
        }
        return (long)await db.ScriptEvaluateAsync(Script, [stream, mark], args).ConfigureAwait(false);
    }
}
