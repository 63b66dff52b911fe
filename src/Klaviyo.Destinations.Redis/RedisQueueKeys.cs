using StackExchange.Redis;

namespace Klaviyo.Destinations.Redis;

/// <summary>
/// The Redis keys of one <see cref="RedisEventQueue"/>, laid out for Redis Cluster: every key of a partition (its
/// stream, lease, retry hash, staged dead letters and append marks) carries the same hash tag <c>{&lt;prefix&gt;:p:&lt;i&gt;}</c>, so they live in one slot
/// and the transactions and scripts that touch several of them stay in that slot; the queue-wide keys (dead letters,
/// replica counter, live replicas) share the tag <c>{&lt;prefix&gt;}</c>. Different partitions hash to different slots,
/// so a cluster spreads them over its nodes.
/// </summary>
internal sealed class RedisQueueKeys
{
    private readonly RedisKey[] _streams;
    private readonly RedisKey[] _leases;
    private readonly RedisKey[] _retries;
    private readonly RedisKey[] _letters;

    public RedisQueueKeys(string prefix, int partitions)
    {
        _streams = new RedisKey[partitions];
        _leases = new RedisKey[partitions];
        _retries = new RedisKey[partitions];
        _letters = new RedisKey[partitions];
        for (var i = 0; i < partitions; i++)
        {
            var tag = $"{{{prefix}:p:{i}}}";
            _streams[i] = tag;
            _leases[i] = tag + ":lease";
            _retries[i] = tag + ":retry";
            _letters[i] = tag + ":letters";
        }
        var queue = $"{{{prefix}}}";
        Dead = queue + ":dead";
        Replicas = queue + ":replicas";
        Members = queue + ":members";
    }

    /// <summary>Partition <paramref name="partition"/>'s stream (consumer group <c>klaviyo</c>).</summary>
    public RedisKey Stream(int partition) => _streams[partition];

    /// <summary>Partition <paramref name="partition"/>'s lease: the holder's replica number, with an expiry.</summary>
    public RedisKey Lease(int partition) => _leases[partition];

    /// <summary>Partition <paramref name="partition"/>'s retry state by entry id (attempts, next attempt, first taken).</summary>
    public RedisKey Retry(int partition) => _retries[partition];

    /// <summary>
    /// Partition <paramref name="partition"/>'s dead letters decided and not yet moved to <see cref="Dead"/>, by entry id:
    /// the lease holder removes a dead-lettered entry from the stream and puts its letter here in one script, then moves it.
    /// </summary>
    public RedisKey Letters(int partition) => _letters[partition];

    /// <summary>
    /// The highest item number replica <paramref name="replica"/> has added to partition <paramref name="partition"/>'s
    /// stream (see <see cref="StreamAppend"/>), with an expiry.
    /// </summary>
    public RedisKey Mark(int partition, long replica) => _streams[partition].Append(":mark:" + replica.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Which partition a stream key belongs to (-1 when none).</summary>
    public int PartitionOf(RedisKey stream) => Array.IndexOf(_streams, stream);

    /// <summary>The dead letters (a list of JSON records).</summary>
    public RedisKey Dead { get; }

    /// <summary>The marker that the dead letter of partition <paramref name="partition"/>'s entry <paramref name="entryId"/> is written (same slot as <see cref="Dead"/>).</summary>
    public RedisKey DeadLetterWritten(int partition, RedisValue entryId) => Dead.Append($":w:{partition}:{entryId}");

    /// <summary>The counter that numbers replicas as they open the queue.</summary>
    public RedisKey Replicas { get; }

    /// <summary>The live replicas: a sorted set of replica numbers scored by when their heartbeat expires (Redis server time, ms).</summary>
    public RedisKey Members { get; }
}
