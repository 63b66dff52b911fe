using System.Collections.Concurrent;
using Klaviyo.Destinations.Redis.Tests.Support;
using Xunit.Abstractions;

namespace Klaviyo.Destinations.Redis.Tests.Cluster;

/// <summary>
/// One node of a real three-node Redis Cluster down (killed, then started again on its port and directory, with its
/// append-only file), while one replica accepts items and another holds every partition and delivers them, or one replica
/// does both: the partitions on the other nodes go on being stored and delivered meanwhile, their leases kept, and the
/// partitions of the node that was down follow once it is back, nothing lost.
/// </summary>
public sealed class RedisClusterNodeOutageTests(ITestOutputHelper output)
{
    private const int Partitions = 12;
    private const int People = 24;
    private readonly CancellationToken _timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90)).Token;

    [RedisFact]
    public Task While_a_node_is_down_the_partitions_on_the_other_nodes_are_still_stored_and_delivered_and_its_own_follow_once_it_is_back() =>
        RunAsync(oneReplica: false);

    /// <summary>
    /// The replica that accepts the items also holds every partition: its items of partitions on the other nodes are not
    /// held back behind its first item for the node that is down (they were, when it handed its own items out strictly in
    /// acceptance order).
    /// </summary>
    [RedisFact]
    public Task With_one_replica_accepting_and_delivering_its_items_for_the_other_nodes_do_not_wait_behind_those_for_the_node_that_is_down() =>
        RunAsync(oneReplica: true);

    private async Task RunAsync(bool oneReplica)
    {
        // A node down is noticed by the others after cluster-node-timeout (15 s by default); then a replica takes over, or the
        // cluster refuses every command (cluster-require-full-coverage). This test is about the time before: a minute.
        await using var cluster = await RedisClusterServer.StartAsync(appendOnly: true, fsync: "always", settings: new Dictionary<string, string> { ["cluster-node-timeout"] = "60000" });
        // Leases longer than the connection's command timeout (2 s), as by default (10 s and 5 s): a command to the node that
        // is down may wait that long.
        var options = new RedisEventQueueOptions
        {
            KeyPrefix = "outage", Partitions = Partitions, LeaseDuration = TimeSpan.FromSeconds(4.5), Rebalance = false,
            PollInterval = TimeSpan.FromMilliseconds(50), RetryInterval = TimeSpan.FromMilliseconds(200),
        };
        // The holder reads and delivers every partition; the other replica accepts the items (the one the requests reach), or
        // the holder accepts them itself.
        var leases = new LostLeases();
        await using var holderConnection = await cluster.ConnectAsync();
        await using var holder = await RedisEventQueue.OpenAsync(holderConnection, options, logger: leases);
        await using var acceptorConnection = oneReplica ? null : await cluster.ConnectAsync();
        await using var other = oneReplica ? null : await RedisEventQueue.OpenAsync(acceptorConnection!, options);
        var acceptor = other ?? holder;
        Assert.Equal(Partitions, holder.OwnedPartitions.Count);
        var keys = new RedisQueueKeys("outage", Partitions);
        const int down = 2;
        var partitionsDown = Enumerable.Range(0, Partitions).Where(p => cluster.NodeOf(holderConnection, keys.Stream(p)) == down).ToHashSet();
        bool OnDownNode(string person) => partitionsDown.Contains(RedisEventQueue.PartitionOf(person, Partitions));
        var people = Enumerable.Range(0, People).Select(p => $"person-{p}").ToList();
        Assert.Contains(people, OnDownNode);
        Assert.Contains(people, p => !OnDownNode(p));

        var delivered = new Delivered();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(_timeout);
        // Both replicas deliver what they hold, as in an app: the partitions on the node that is down lose their lease, and
        // when it is back either replica may take them (Rebalance off: any free partition is taken by whoever comes first).
        Task Consume(RedisEventQueue queue) => Task.Run(async () =>
        {
            try
            {
                while (await queue.WaitToReadAsync(stop.Token))
                {
                    while (queue.TryDequeue(out var item))
                    {
                        await queue.CompleteAsync(item, stop.Token);
                        delivered.Add(item.MessageId);
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
            }
        });
        var consumers = oneReplica ? new[] { Consume(holder) } : [Consume(holder), Consume(acceptor)];
        foreach (var person in people) Assert.True(acceptor.Enqueue(QueueItems.Event(person, 0, "Outage Test")).Accepted);
        await delivered.All(people.Select(p => $"{p}/0")).WaitAsync(_timeout);

        await cluster.Nodes[down].KillAsync();
        var second = people.Select(p => QueueItems.Event(p, 1, "Outage Test")).ToList();
        foreach (var item in second) Assert.True(acceptor.Enqueue(item).Accepted);
        var elsewhere = second.Where(i => !OnDownNode(i.UserKey)).ToList();
        var onDown = second.Where(i => OnDownNode(i.UserKey)).ToList();
        // The other nodes' items are stored and delivered while the node is down (within four lease periods of the holder) ...
        var live = delivered.All(elsewhere.Select(i => i.MessageId));
        var periods = Task.Run(async () =>
        {
            for (var k = 0; k < 4; k++) await holder.NextTickAsync();
        });
        var outageAt = System.Diagnostics.Stopwatch.StartNew();
        await Task.WhenAny(live, periods).WaitAsync(_timeout);
        var liveAfter = outageAt.Elapsed;
        Assert.True(live.IsCompleted, $"with node {down} down, {elsewhere.Count(i => delivered.Contains(i.MessageId))} of the {elsewhere.Count} items of partitions on the other nodes were delivered");
        foreach (var item in elsewhere) Assert.True(await acceptor.WhenDurableAsync(item, _timeout));
        Assert.All(onDown, item => Assert.False(delivered.Contains(item.MessageId)));
        Assert.All(onDown, item => Assert.False(acceptor.WhenDurableAsync(item, _timeout).IsCompleted));
        Assert.NotNull(acceptor.Outage);
        // ... and the holder kept the leases of the partitions on the other nodes (their renewals are not held up by the node that is down).
        await periods.WaitAsync(_timeout);
        Assert.DoesNotContain(leases.Lost, p => !partitionsDown.Contains(p));
        output.WriteLine($"{(oneReplica ? "one replica" : "two replicas")}, node {down} down: the {elsewhere.Count} items of partitions on the other nodes delivered {liveAfter.TotalSeconds:F1} s after the kill, {onDown.Count} waiting; leases lost: {string.Join(",", leases.Lost)} (partitions on node {down}: {string.Join(",", partitionsDown)})");

        // Back (its append-only file replayed, its slots served again): its partitions' items are stored and delivered.
        var back = System.Diagnostics.Stopwatch.StartNew();
        await cluster.Nodes[down].StartAgainAsync();
        await delivered.All(second.Select(i => i.MessageId)).WaitAsync(_timeout);
        output.WriteLine($"node {down} started again: its {onDown.Count} items delivered {back.Elapsed.TotalSeconds:F1} s later");
        foreach (var item in onDown) Assert.True(await acceptor.WhenDurableAsync(item, _timeout));
        await stop.CancelAsync();
        await Task.WhenAll(consumers);
        Assert.Equal(2 * People, delivered.Count);
        Assert.Equal(Partitions, holder.OwnedPartitions.Concat(other?.OwnedPartitions ?? []).Distinct().Count());
    }

    /// <summary>The partitions whose lease the queue reports lost (event 2102).</summary>
    private sealed class LostLeases : Microsoft.Extensions.Logging.ILogger
    {
        private readonly List<int> _lost = [];

        public IReadOnlyList<int> Lost
        {
            get { lock (_lost) return [.. _lost]; }
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id != 2102 || state is not IReadOnlyList<KeyValuePair<string, object?>> values) return;
            foreach (var (key, value) in values)
            {
                if (key == "Partition" && value is int partition) lock (_lost) _lost.Add(partition);
            }
        }
    }

    private sealed class Delivered
    {
        private readonly Lock _gate = new();
        private readonly List<string> _ids = [];
        private readonly List<(HashSet<string> Wanted, TaskCompletionSource Done)> _waiters = [];

        public int Count
        {
            get { lock (_gate) return _ids.Count; }
        }

        public bool Contains(string id)
        {
            lock (_gate) return _ids.Contains(id);
        }

        public void Add(string id)
        {
            List<TaskCompletionSource> done = [];
            lock (_gate)
            {
                _ids.Add(id);
                foreach (var (wanted, tcs) in _waiters)
                {
                    wanted.Remove(id);
                    if (wanted.Count == 0) done.Add(tcs);
                }
                _waiters.RemoveAll(w => w.Wanted.Count == 0);
            }
            foreach (var tcs in done) tcs.TrySetResult();
        }

        /// <summary>Completes once every one of <paramref name="ids"/> was delivered.</summary>
        public Task All(IEnumerable<string> ids)
        {
            lock (_gate)
            {
                var wanted = ids.Where(id => !_ids.Contains(id)).ToHashSet();
                if (wanted.Count == 0) return Task.CompletedTask;
                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add((wanted, done));
                return done.Task;
            }
        }
    }
}
