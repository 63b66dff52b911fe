using Klaviyo.Destinations.Redis.Tests.Support;
using StackExchange.Redis;

namespace Klaviyo.Destinations.Redis.Tests.Cluster;

/// <summary>
/// Several replicas of <see cref="RedisEventQueue"/> (in-process, each with its own connection, as separate processes
/// have) on a real three-node Redis Cluster whose nodes each store some of the partitions: rebalancing, a replica leaving
/// and one dying, dead letters and their replay, and each person's items handed out in order, never while an earlier
/// one is in flight at another replica.
/// </summary>
public sealed class RedisClusterReplicaTests(RedisClusterFixture redis) : IClassFixture<RedisClusterFixture>
{
    private const int Partitions = 12;
    private readonly CancellationToken _timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90)).Token;

    private static RedisEventQueueOptions Options(string prefix) => new()
    {
        KeyPrefix = prefix,
        Partitions = Partitions,
        LeaseDuration = TimeSpan.FromSeconds(1),
        PollInterval = TimeSpan.FromMilliseconds(50),
    };

    private static QueuedItem Item(string user, int n) => QueueItems.Event(user, n, "Cluster Replica Test");




    /// <summary>Which node stores each partition's stream (asked of every node: SCAN on that node only); every node stores at least one.</summary>
    private int[] PartitionNodes(string prefix)
    {
        var keys = new RedisQueueKeys(prefix, Partitions);
        var nodes = new int[Partitions];
        Array.Fill(nodes, -1);
        for (var n = 0; n < redis.Cluster.Nodes.Count; n++)
        {
            foreach (var key in redis.Cluster.KeysOn(redis.Redis, n, $"{{{prefix}:p:*"))
            {
                var partition = keys.PartitionOf(key);
                if (partition >= 0) nodes[partition] = n;
            }
        }
        Assert.DoesNotContain(-1, nodes);
        Assert.Equal(redis.Cluster.Nodes.Count, nodes.Distinct().Count());
        return nodes;
    }

    /// <summary>Nothing left in any partition's stream, nothing pending in any consumer group, on whichever node it is.</summary>
    private async Task AssertEmptyAsync(string prefix)
    {
        var keys = new RedisQueueKeys(prefix, Partitions);
        var db = redis.Redis.GetDatabase();
        for (var i = 0; i < Partitions; i++)
        {
            Assert.Equal(0, await db.StreamLengthAsync(keys.Stream(i)));
            Assert.Equal(0, (await db.StreamPendingAsync(keys.Stream(i), "klaviyo")).PendingMessageCount);
        }
    }

    [RedisFact]
    public async Task Three_replicas_share_the_partitions_of_every_node_keep_each_person_s_order_across_a_leaving_replica_and_replay_a_dead_letter()
    {
        const string prefix = "cluster-replicas";
        const int people = 24;
        await using var c2 = await redis.ConnectAsync();
        await using var c3 = await redis.ConnectAsync();
        await using var r1 = await RedisEventQueue.OpenAsync(redis.Redis, Options(prefix));
        Assert.Equal(Partitions, r1.OwnedPartitions.Count);
        var nodes = PartitionNodes(prefix);
        await using var r2 = await RedisEventQueue.OpenAsync(c2, Options(prefix));
        var r3 = await RedisEventQueue.OpenAsync(c3, Options(prefix));
        await QueueReplicas.UntilAsync(() => QueueReplicas.Fair(Partitions, r1, r2, r3), _timeout, r1, r2, r3);
        // Each replica reads partitions stored on several nodes.
        Assert.All(new[] { r1, r2, r3 }, r => Assert.True(r.OwnedPartitions.Select(p => nodes[p]).Distinct().Count() >= 2,
            $"replica {r.ReplicaNumber} holds partitions {string.Join(",", r.OwnedPartitions)} on nodes {string.Join(",", r.OwnedPartitions.Select(p => nodes[p]))}"));

        var log = new DeliveryLog();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(_timeout);
        // One item is dead-lettered instead of delivered (its partition's holder gives up on it).
        const string doomed = "person-5/1";
        var consumers = new List<Task> { Consume(r1, log, doomed, stop.Token), Consume(r2, log, doomed, stop.Token) };
        var third = Consume(r3, log, doomed, stop.Token);

        // First rounds with three replicas; a person's items are accepted by one replica (the one its requests reach).
        var queues = new[] { r1, r2, r3 };
        for (var round = 0; round < 3; round++)
            for (var p = 0; p < people; p++) Assert.True(queues[p % 3].Enqueue(Item($"person-{p}", round)).Accepted);
        await log.Delivered(3 * people - 1).WaitAsync(_timeout);

        // The third replica leaves (graceful stop); the other two take its partitions, wherever they are stored.
        await r3.DisposeAsync();
        await third.WaitAsync(_timeout);
        for (var round = 3; round < 6; round++)
            for (var p = 0; p < people; p++) Assert.True((p % 2 == 0 ? r1 : r2).Enqueue(Item($"person-{p}", round)).Accepted);
        await QueueReplicas.UntilAsync(() => QueueReplicas.Fair(Partitions, r1, r2), _timeout, r1, r2);
        Assert.Equal(Partitions / 2, r1.OwnedPartitions.Count);
        await log.Delivered(6 * people - 1).WaitAsync(_timeout);

        // The dead letter: stored in the queue-wide list (on its own node), replayed by the replica that does not hold the
        // person's partition, and delivered by the one that does.
        var holder = r1.OwnedPartitions.Contains(RedisEventQueue.PartitionOf("person-5", Partitions)) ? r1 : r2;
        var other = holder == r1 ? r2 : r1;
        var letter = Assert.Single(await other.ListDeadLettersAsync(10, _timeout));
        Assert.Equal(doomed, letter.MessageId);
        Assert.Equal("gave up", letter.Reason);
        Assert.Equal(1, other.DeadLetterCount);
        Assert.Equal(1, await other.ReplayDeadLettersAsync(null, _timeout));
        await log.Delivered(6 * people).WaitAsync(_timeout);
        Assert.Empty(await holder.ListDeadLettersAsync(10, _timeout));
        Assert.Equal(0, holder.DeadLetterCount);
        await stop.CancelAsync();
        await Task.WhenAll(consumers);

        Assert.Empty(log.Violations);
        Assert.Equal(6 * people, log.Delivered().Count);
        Assert.Equal(6 * people, log.Delivered().Distinct().Count());
        Assert.Contains(doomed, log.Delivered());
        await AssertEmptyAsync(prefix);
    }

    [RedisFact]
    public async Task When_a_replica_dies_another_takes_over_its_partitions_on_every_node_and_delivers_its_unfinished_items_in_order()
    {
        const string prefix = "cluster-takeover";
        var dying = await redis.ConnectAsync();
        var first = await RedisEventQueue.OpenAsync(dying, Options(prefix));
        PartitionNodes(prefix);
        var items = Enumerable.Range(0, 60).Select(n => Item($"person-{n % 12}", n / 12)).ToList();
        foreach (var item in items) Assert.True(first.Enqueue(item).Accepted);
        foreach (var item in items) Assert.True(await first.WhenDurableAsync(item, _timeout));
        // The first replica takes 20 items (read, in flight) and finishes 8 of them before it dies.
        var inFlight = new List<QueuedItem>();
        while (inFlight.Count < 20 && await first.WaitToReadAsync(_timeout))
            while (inFlight.Count < 20 && first.TryDequeue(out var item)) inFlight.Add(item);
        foreach (var item in inFlight.Take(8)) await first.CompleteAsync(item, _timeout);
        var done = inFlight.Take(8).Select(i => i.MessageId).ToHashSet();

        await using var survivor = await RedisEventQueue.OpenAsync(redis.Redis, Options(prefix));
        Assert.Empty(survivor.OwnedPartitions);
        // The first replica loses Redis for good (its process is gone, as far as Redis can tell): no renewal, no release.
        await dying.CloseAsync(allowCommandsToComplete: false);

        var delivered = new List<QueuedItem>();
        while (delivered.Count < 52 && await survivor.WaitToReadAsync(_timeout))
        {
            while (delivered.Count < 52 && survivor.TryDequeue(out var item))
            {
                delivered.Add(item);
                await survivor.CompleteAsync(item, _timeout);
            }
        }
        Assert.Equal(Partitions, survivor.OwnedPartitions.Count);
        Assert.Equal(items.Select(i => i.MessageId).Where(id => !done.Contains(id)).Order(), delivered.Select(i => i.MessageId).Order());
        foreach (var person in delivered.GroupBy(i => i.UserKey))
            Assert.Equal(person.Select(QueueReplicas.Number).Order(), person.Select(QueueReplicas.Number));
        await survivor.WhenFinishedAsync(survivor.Backlog.LastSequence, _timeout);
        await AssertEmptyAsync(prefix);
        await first.DisposeAsync();
        await dying.DisposeAsync();
    }

    /// <summary>Hands out and delivers (completes) what <paramref name="queue"/> hands out until stopped; dead-letters <paramref name="doomed"/> the first time.</summary>
    private static async Task Consume(RedisEventQueue queue, DeliveryLog log, string doomed, CancellationToken stop)
    {
        try
        {
            while (await queue.WaitToReadAsync(stop))
            {
                while (queue.TryDequeue(out var item))
                {
                    var first = log.HandOut(queue.ReplicaNumber, item);
                    if (item.MessageId == doomed && first)
                    {
                        await queue.DeadLetterAsync(item, "gave up", stop);
                        log.DeadLettered(item);
                    }
                    else
                    {
                        await queue.CompleteAsync(item, stop);
                        log.Sent(item);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>What the replicas handed out and sent, each person's order checked as it happens.</summary>
    private sealed class DeliveryLog
    {
        private readonly Lock _gate = new();
        private readonly Dictionary<string, List<(int N, long Replica, bool Done)>> _people = [];
        private readonly List<string> _sent = [];
        private readonly List<(int Count, TaskCompletionSource Reached)> _waiters = [];

        public List<string> Violations { get; } = [];

        /// <summary>Records a hand-out; true when it is the item's first.</summary>
        public bool HandOut(long replica, QueuedItem item)
        {
            var n = QueueReplicas.Number(item);
            lock (_gate)
            {
                if (!_people.TryGetValue(item.UserKey, out var seen)) _people[item.UserKey] = seen = [];
                var again = seen.FindIndex(s => s.N == n);
                if (again >= 0)
                {
                    // Only a dead letter's replay hands an item out again.
                    if (!seen[again].Done || _sent.Contains(item.MessageId)) Violations.Add($"{item.MessageId} handed out twice (replica {replica})");
                    seen[again] = (n, replica, false);
                    return false;
                }
                if (seen.Count != n) Violations.Add($"{item.MessageId} handed out by replica {replica} after {seen.Count} earlier items of the person (out of order)");
                foreach (var earlier in seen.Where(s => !s.Done && s.Replica != replica))
                    Violations.Add($"{item.MessageId} handed out by replica {replica} while item {earlier.N} of the person was in flight at replica {earlier.Replica}");
                seen.Add((n, replica, false));
                return true;
            }
        }

        public void DeadLettered(QueuedItem item) => Finish(item, sent: false);

        public void Sent(QueuedItem item) => Finish(item, sent: true);

        private void Finish(QueuedItem item, bool sent)
        {
            var n = QueueReplicas.Number(item);
            List<TaskCompletionSource> reached = [];
            lock (_gate)
            {
                var seen = _people[item.UserKey];
                var i = seen.FindIndex(s => s.N == n);
                seen[i] = seen[i] with { Done = true };
                if (sent) _sent.Add(item.MessageId);
                foreach (var waiter in _waiters.Where(w => _sent.Count >= w.Count)) reached.Add(waiter.Reached);
                _waiters.RemoveAll(w => _sent.Count >= w.Count);
            }
            foreach (var done in reached) done.TrySetResult();
        }

        /// <summary>Completes once <paramref name="count"/> items were sent.</summary>
        public Task Delivered(int count)
        {
            lock (_gate)
            {
                if (_sent.Count >= count) return Task.CompletedTask;
                var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add((count, reached));
                return reached.Task;
            }
        }

        public List<string> Delivered()
        {
            lock (_gate) return [.. _sent];
        }
    }
}
