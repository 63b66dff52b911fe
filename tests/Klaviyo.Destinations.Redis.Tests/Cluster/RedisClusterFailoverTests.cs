using System.Collections.Concurrent;
using System.Globalization;
using Klaviyo.Destinations.Redis.Tests.Support;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Klaviyo.Destinations.Redis.Tests.Cluster;

/// <summary>
/// A failover on a real Redis Cluster with one replica per master: a master is killed (SIGKILL), its replica is elected
/// and takes its slots over, the client follows it, and the queue goes on: the items accepted before the kill and during
/// the election are all delivered, each exactly once.
/// </summary>
public sealed class RedisClusterFailoverTests(ITestOutputHelper output)
{
    private const int Partitions = 12;
    private const int People = 24;
    private readonly CancellationToken _timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120)).Token;

    [RedisFact]
    public async Task A_master_killed_and_its_replica_promoted_the_queue_delivers_everything_exactly_once()
    {
        // The other masters mark the killed one failed after cluster-node-timeout; its replica then stands for election
        // whatever the age of its data (validity factor 0: on a busy machine its last contact with the master may look old).
        await using var cluster = await RedisClusterServer.StartAsync(withReplicas: true, settings: new Dictionary<string, string>
        {
            ["cluster-node-timeout"] = "2000", ["cluster-replica-validity-factor"] = "0",
        });
        var options = new RedisEventQueueOptions
        {
            KeyPrefix = "failover", Partitions = Partitions, LeaseDuration = TimeSpan.FromSeconds(4.5),
            PollInterval = TimeSpan.FromMilliseconds(50), RetryInterval = TimeSpan.FromMilliseconds(200),
        };
        await using var connection = await cluster.ConnectAsync();
        await using var queue = await RedisEventQueue.OpenAsync(connection, options);
        Assert.Equal(Partitions, queue.OwnedPartitions.Count);
        var keys = new RedisQueueKeys("failover", Partitions);
        const int down = 1;
        var partitionsDown = Enumerable.Range(0, Partitions).Where(p => cluster.NodeOf(connection, keys.Stream(p)) == down).ToHashSet();
        Assert.NotEmpty(partitionsDown);

        var delivered = new ConcurrentQueue<string>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var expected = 2 * People;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(_timeout);
        var consumer = Task.Run(async () =>
        {
            try
            {
                while (await queue.WaitToReadAsync(stop.Token))
                {
                    while (queue.TryDequeue(out var item))
                    {
                        await queue.CompleteAsync(item, stop.Token);
                        delivered.Enqueue(item.MessageId);
                        if (delivered.Count >= expected) all.TrySetResult();
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
        });
        var first = Enumerable.Range(0, People).Select(p => QueueItems.Event($"person-{p}", 0, "Failover Test")).ToList();
        foreach (var item in first) Assert.True(queue.Enqueue(item).Accepted);
        foreach (var item in first) Assert.True(await queue.WhenDurableAsync(item, _timeout));
        await QueueReplicas.UntilAsync(() => Task.FromResult(delivered.Count == People), _timeout);

        // Everything the master has done so far (the first items stored and removed again, the leases) reached its replica.
        await using (var admin = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{cluster.Nodes[down].Port},127.0.0.1:{cluster.Replicas[down].Port},allowAdmin=true"))
        {
            var offset = ReplicationField(await admin.GetServer("127.0.0.1", cluster.Nodes[down].Port).InfoRawAsync("replication"), "master_repl_offset");
            await QueueReplicas.UntilAsync(async () => ReplicationField(await admin.GetServer("127.0.0.1", cluster.Replicas[down].Port).InfoRawAsync("replication"), "slave_repl_offset") >= offset, _timeout);
        }

        var elected = cluster.Replicas[down].LoggedAsync("Failover election won");
        var killedAt = System.Diagnostics.Stopwatch.StartNew();
        await cluster.Nodes[down].KillAsync();
        var second = Enumerable.Range(0, People).Select(p => QueueItems.Event($"person-{p}", 1, "Failover Test")).ToList();
        foreach (var item in second) Assert.True(queue.Enqueue(item).Accepted);

        await elected.WaitAsync(_timeout);
        var electedAfter = killedAt.Elapsed;
        await all.Task.WaitAsync(_timeout);
        output.WriteLine($"replica of node {down} elected {electedAfter.TotalSeconds:F1} s after the kill; all {expected} items delivered {killedAt.Elapsed.TotalSeconds:F1} s after it");
        foreach (var item in second) Assert.True(await queue.WhenDurableAsync(item, _timeout));
        // The new master serves the slots: the partitions of the killed node are there, and the queue holds them again.
        Assert.All(partitionsDown, p => Assert.Equal(cluster.Replicas[down].Port, ((System.Net.IPEndPoint)connection.GetServer(keys.Stream(p)).EndPoint).Port));
        await QueueReplicas.UntilAsync(() => Task.FromResult(queue.OwnedPartitions.Count == Partitions && queue.Count == 0), _timeout);
        await stop.CancelAsync();
        await consumer;

        // Nothing lost, nothing twice, and nothing left in the streams.
        Assert.Equal(first.Concat(second).Select(i => i.MessageId).Order(), delivered.Order());
        var db = connection.GetDatabase();
        for (var p = 0; p < Partitions; p++)
        {
            Assert.Equal(0, await db.StreamLengthAsync(keys.Stream(p)));
            Assert.Equal(0, (await db.StreamPendingAsync(keys.Stream(p), "klaviyo")).PendingMessageCount);
        }
    }

    private static long ReplicationField(string? info, string name)
    {
        foreach (var line in (info ?? "").Split('\n'))
        {
            if (line.StartsWith(name + ":", StringComparison.Ordinal)) return long.Parse(line[(name.Length + 1)..].Trim(), CultureInfo.InvariantCulture);
        }
        return -1;
    }
}
