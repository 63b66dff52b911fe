using Klaviyo.Destinations.Redis.Tests.Support;
using Klaviyo.Destinations.Tests.Queue.Contract;

namespace Klaviyo.Destinations.Redis.Tests.Cluster;

/// <summary>
/// The queue contract (ordering, refusals, watermark, dead letters, close, reopen) against <see cref="RedisEventQueue"/>
/// on a real three-node Redis Cluster: each test has its own key prefix, whose 16 partitions spread over the nodes (the
/// dead letters and the replica keys live on one of them); a reopen is a new replica on the same prefix.
/// </summary>
public sealed class RedisClusterQueueContractTests(RedisClusterFixture redis) : DurableQueueContractTests, IClassFixture<RedisClusterFixture>
{
    private readonly string _prefix = "contract:" + Guid.NewGuid().ToString("N")[..12];

    private RedisEventQueueOptions Options() => new() { KeyPrefix = _prefix };

    /// <inheritdoc />
    protected override async ValueTask<IEventQueue> CreateQueueAsync() => await RedisEventQueue.OpenAsync(redis.Redis, Options(), Clock);

    /// <inheritdoc />
    protected override async ValueTask<IEventQueue> ReopenQueueAsync() => await RedisEventQueue.OpenAsync(redis.Redis, Options(), Clock);

    [RedisFact]
    public async Task The_partitions_of_a_queue_are_stored_on_every_node_of_the_cluster()
    {
        await using var queue = await CreateQueueAsync();
        var keys = new RedisQueueKeys(_prefix, Options().Partitions);
        var nodes = redis.Cluster.Nodes.Count;
        // What each node itself stores (SCAN on that node only): the streams the queue created when it opened.
        var streamsByNode = Enumerable.Range(0, nodes).Select(n => redis.Cluster.KeysOn(redis.Redis, n, $"{{{_prefix}:p:*}}")).ToList();
        Assert.All(streamsByNode, streams => Assert.NotEmpty(streams));
        Assert.Equal(Options().Partitions, streamsByNode.Sum(s => s.Count));
        // The connection routes each partition to the node that stores it.
        for (var i = 0; i < Options().Partitions; i++)
            Assert.Contains((string)keys.Stream(i)!, streamsByNode[redis.Cluster.NodeOf(redis.Redis, keys.Stream(i))]);
    }
}
