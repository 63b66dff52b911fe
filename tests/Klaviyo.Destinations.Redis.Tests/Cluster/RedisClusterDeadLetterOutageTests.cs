using Klaviyo.Destinations.Redis.Tests.Support;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Klaviyo.Destinations.Redis.Tests.Cluster;

/// <summary>
/// The node holding the dead-letter list down on a real three-node Redis Cluster while a replica dead-letters an item of a
/// partition on another node: the letter waits (staged in its partition, the item gone from the stream), the partitions on
/// the other nodes go on being read and delivered meanwhile, and the letter is in the list exactly once after the node is back.
/// </summary>
public sealed class RedisClusterDeadLetterOutageTests(ITestOutputHelper output)
{
    private const int Partitions = 12;
    private readonly CancellationToken _timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120)).Token;

    [RedisFact]
    public async Task A_dead_letter_waiting_for_the_node_of_the_dead_letter_list_does_not_hold_back_delivery_from_the_other_nodes()
    {
        await using var cluster = await RedisClusterServer.StartAsync(appendOnly: true, fsync: "always", settings: new Dictionary<string, string> { ["cluster-node-timeout"] = "60000" });
        var options = new RedisEventQueueOptions
        {
            KeyPrefix = "dl-node", Partitions = Partitions, LeaseDuration = TimeSpan.FromSeconds(4.5), Rebalance = false,
            PollInterval = TimeSpan.FromMilliseconds(50), RetryInterval = TimeSpan.FromMilliseconds(200),
        };
        await using var connection = await cluster.ConnectAsync();
        await using var queue = await RedisEventQueue.OpenAsync(connection, options);
        var keys = new RedisQueueKeys("dl-node", Partitions);
        var down = cluster.NodeOf(connection, keys.Dead);
        // People whose partitions are on the other nodes.
        var people = Enumerable.Range(0, 60).Select(p => $"person-{p}")
            .Where(p => cluster.NodeOf(connection, keys.Stream(RedisEventQueue.PartitionOf(p, Partitions))) != down).Take(12).ToList();
        Assert.Equal(12, people.Count);

        var given = QueueItems.Event(people[0], 0, "Dead Letter Node Test");
        Assert.True(queue.Enqueue(given).Accepted);
        Assert.True(await queue.WhenDurableAsync(given, _timeout));
        var taken = await QueueReplicas.TakeOneAsync(queue, _timeout);
        Assert.Equal(given.MessageId, taken.MessageId);

        await cluster.Nodes[down].KillAsync();
        await queue.DeadLetterAsync(taken, "Klaviyo answered 400", _timeout);
        Assert.Equal(1, queue.PendingLetters);

        // The other nodes' partitions are still read and handed out while the letter waits.
        var later = people.Skip(1).Select(p => QueueItems.Event(p, 1, "Dead Letter Node Test")).ToList();
        foreach (var item in later) Assert.True(queue.Enqueue(item).Accepted);
        var handedOut = new List<string>();
        var downFor = System.Diagnostics.Stopwatch.StartNew();
        using (var within = CancellationTokenSource.CreateLinkedTokenSource(_timeout))
        {
            within.CancelAfter(TimeSpan.FromSeconds(30));
            try
            {
                while (handedOut.Count < later.Count && await queue.WaitToReadAsync(within.Token))
                {
                    while (queue.TryDequeue(out var item))
                    {
                        handedOut.Add(item.MessageId);
                        await queue.CompleteAsync(item, _timeout);
                    }
                }
            }
            catch (OperationCanceledException) when (within.IsCancellationRequested && !_timeout.IsCancellationRequested)
            {
            }
        }
        Assert.True(handedOut.Count == later.Count, $"with the dead-letter list's node down and a letter waiting, {handedOut.Count} of {later.Count} items of the other nodes were handed out in 30 s");
        Assert.Equal(later.Select(i => i.MessageId).Order(), handedOut.Order());
        Assert.Equal(1, queue.PendingLetters);
        output.WriteLine($"node {down} (dead-letter list) down: {later.Count} items of the other nodes handed out within {downFor.Elapsed.TotalSeconds:F1} s");

        // Back: the letter is moved to the list, once.
        await cluster.Nodes[down].StartAgainAsync();
        await QueueReplicas.UntilAsync(() => Task.FromResult(queue.PendingLetters == 0), _timeout);
        var letter = Assert.Single(await queue.ListDeadLettersAsync(cancellationToken: _timeout));
        Assert.Equal(given.MessageId, letter.MessageId);
        var db = connection.GetDatabase();
        var partition = RedisEventQueue.PartitionOf(people[0], Partitions);
        Assert.Equal(0, await db.StreamLengthAsync(keys.Stream(partition)));
        Assert.Equal(0, await db.HashLengthAsync(keys.Letters(partition)));
    }
}
