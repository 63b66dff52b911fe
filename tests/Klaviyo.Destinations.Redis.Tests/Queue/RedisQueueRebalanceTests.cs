using System.Globalization;
using Klaviyo.Destinations.Redis.Tests.Support;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Klaviyo.Destinations.Redis.Tests.Queue;

/// <summary>
/// Partition rebalancing between replicas (in-process queues on one prefix, each with its own connection as separate
/// processes have): fair shares as replicas join, leave and die; a person's items never reordered nor sent by two
/// replicas at once across a hand-over; dead replicas' consumer names removed once their entries are claimed.
/// </summary>
public sealed class RedisQueueRebalanceTests(RedisQueueFixture redis, ITestOutputHelper output) : IClassFixture<RedisQueueFixture>
{
    private const int Partitions = 10;
    private readonly string _prefix = "rebalance:" + Guid.NewGuid().ToString("N")[..12];
    private readonly CancellationToken _timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120)).Token;

    /// <param name="leaseSeconds">Short leases make the tests quick; the test under load uses longer ones, so that a
    /// machine pausing the process (other builds on two cores) does not let a lease run out, which is the one case where
    /// a person's items may be sent twice or out of order (at least once).</param>
    private RedisEventQueueOptions Options(int leaseSeconds = 1) => new()
    {
        KeyPrefix = _prefix,
        Partitions = Partitions,
        LeaseDuration = TimeSpan.FromSeconds(leaseSeconds),
        PollInterval = TimeSpan.FromMilliseconds(50),
    };

    private static QueuedItem Item(string user, int n) => QueueItems.Event(user, n, "Rebalance Test");




    private static int[] Shares(params RedisEventQueue[] queues) => [.. queues.OrderBy(q => q.ReplicaNumber).Select(q => q.OwnedPartitions.Count)];

    [RedisFact]
    public async Task Two_then_three_replicas_hold_fair_shares_and_a_replica_that_leaves_hands_its_share_to_the_others()
    {
        await using var c2 = await redis.ConnectAsync();
        await using var c3 = await redis.ConnectAsync();
        await using var r1 = await RedisEventQueue.OpenAsync(redis.Redis, Options());
        Assert.Equal(Partitions, r1.OwnedPartitions.Count);

        await using var r2 = await RedisEventQueue.OpenAsync(c2, Options());
        await QueueReplicas.UntilAsync(() => QueueReplicas.Fair(Partitions, r1, r2), _timeout, r1, r2);
        Assert.Equal([5, 5], Shares(r1, r2));

        var r3 = await RedisEventQueue.OpenAsync(c3, Options());
        await QueueReplicas.UntilAsync(() => QueueReplicas.Fair(Partitions, r1, r2, r3), _timeout, r1, r2, r3);
        // 10 partitions among 3: the oldest replica holds the remainder.
        Assert.Equal([4, 3, 3], Shares(r1, r2, r3));

        // A replica leaves (graceful stop): the others take its partitions at once (it released them) and share them fairly.
        await r3.DisposeAsync();
        await QueueReplicas.UntilAsync(() => QueueReplicas.Fair(Partitions, r1, r2), _timeout, r1, r2);
        Assert.Equal([5, 5], Shares(r1, r2));
    }

    [RedisFact]
    public async Task A_replica_seen_at_one_heartbeat_only_moves_nothing_one_seen_at_two_gets_its_share_and_free_partitions_are_taken_back()
    {
        await using var r1 = await RedisEventQueue.OpenAsync(redis.Redis, Options(leaseSeconds: 3));
        Assert.Equal(Partitions, r1.OwnedPartitions.Count);
        var db = redis.Redis.GetDatabase();
        var members = new RedisQueueKeys(_prefix, Partitions).Members;
        // Another replica's heartbeat, valid for a minute of Redis time (it never takes anything: it is only a heartbeat).
        async Task Appear() => await db.ScriptEvaluateAsync(
            "local t = redis.call('TIME') return redis.call('ZADD', KEYS[1], tonumber(t[1]) * 1000 + 60000, ARGV[1])", [members], ["999"]);

        // Seen at one heartbeat, gone at the next (a replica that crashed while starting): nothing moves.
        await Appear();
        await QueueReplicas.UntilAsync(() => r1.LiveReplicas == 2, _timeout, r1);
        Assert.Equal(5, r1.FairShare);
        await db.SortedSetRemoveAsync(members, "999");
        for (var k = 0; k < 3; k++) await r1.NextTickAsync().WaitAsync(_timeout);
        Assert.Equal(1, r1.LiveReplicas);
        Assert.Equal(Partitions, r1.OwnedPartitions.Count);

        // Seen at two heartbeats in a row: the surplus is handed over (released: the other replica may take it).
        await Appear();
        await QueueReplicas.UntilAsync(() => r1.OwnedPartitions.Count == 5, _timeout, r1);
        var free = Enumerable.Range(0, Partitions).Except(r1.OwnedPartitions).ToList();
        Assert.Equal(5, free.Count);
        var keys = new RedisQueueKeys(_prefix, Partitions);
        Assert.All(free, p => Assert.False(db.KeyExists(keys.Lease(p))));

        // It goes away: the remaining replica takes the free partitions back.
        await db.SortedSetRemoveAsync(members, "999");
        await QueueReplicas.UntilAsync(() => r1.OwnedPartitions.Count == Partitions, _timeout, r1);
    }

    [RedisFact]
    public Task A_third_replica_joining_under_load_takes_partitions_without_losing_duplicating_or_reordering_any_persons_items() => JoinUnderLoadAsync(inTurns: false);

    [RedisFact]
    public Task A_third_replica_joining_while_each_persons_items_arrive_at_every_replica_in_turns_keeps_them_in_the_order_Redis_stored_them() => JoinUnderLoadAsync(inTurns: true);

    /// <param name="inTurns">False: a person's items are accepted by one replica (the one their requests reach). True: by
    /// the replicas in turns (the third too, once it has joined), each round stored in Redis before the next is accepted,
    /// so Redis holds each person's items in round order while the replicas' sequences are not in that order.</param>
    private async Task JoinUnderLoadAsync(bool inTurns)
    {
        const int people = 60;
        await using var c2 = await redis.ConnectAsync();
        await using var c3 = await redis.ConnectAsync();
        await using var r1 = await RedisEventQueue.OpenAsync(redis.Redis, Options(leaseSeconds: 3));
        await using var r2 = await RedisEventQueue.OpenAsync(c2, Options(leaseSeconds: 3));
        await QueueReplicas.UntilAsync(() => QueueReplicas.Fair(Partitions, r1, r2), _timeout, r1, r2);

        var run = new DeliveryLog(people);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(_timeout);
        // While the third replica joins, the first two hold their items in flight (sends that take long): a partition
        // handed over too early would let the third hand out a person's next item while the previous one is still in flight.
        var sending = Task.CompletedTask;
        var consumers = new List<Task> { Consume(r1, run, () => sending, stop.Token), Consume(r2, run, () => sending, stop.Token) };

        // Producer: round after round, one item per person; a person's items are accepted by one replica (the one its
        // requests reach), people spread over both, or by the replicas in turns. At most three rounds ahead of delivery.
        var joined = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var rounds = 0;
        RedisEventQueue? joiner = null;
        var producer = Task.Run(async () =>
        {
            var extra = -1;
            for (var round = 0; extra != 0; round++)
            {
                if (round >= 3) await run.RoundDone(round - 3).WaitAsync(_timeout);
                RedisEventQueue[] accepting = Volatile.Read(ref joiner) is { } third && inTurns ? [r1, r2, third] : [r1, r2];
                var accepted = new List<(RedisEventQueue Replica, QueuedItem Item)>();
                for (var p = 0; p < people; p++)
                {
                    var item = Item($"person-{p}", round);
                    var replica = accepting[(inTurns ? p + round : p) % accepting.Length];
                    Assert.True(replica.Enqueue(item).Accepted);
                    accepted.Add((replica, item));
                }
                if (inTurns)
                {
                    foreach (var (replica, item) in accepted) Assert.True(await replica.WhenDurableAsync(item, _timeout));
                }
                rounds = round + 1;
                if (extra > 0) extra--;
                else if (extra < 0 && joined.Task.IsCompleted) extra = 10;   // ten more rounds once the third replica has its share
                Assert.True(round < 2_000, "the third replica never got its share");
            }
        });

        await run.RoundDone(5).WaitAsync(_timeout);
        var slowSends = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        sending = slowSends.Task;
        var joining = System.Diagnostics.Stopwatch.StartNew();
        var r3 = await RedisEventQueue.OpenAsync(c3, Options(leaseSeconds: 3));
        Volatile.Write(ref joiner, r3);
        consumers.Add(Consume(r3, run, () => Task.CompletedTask, stop.Token));
        // The sends finish once the third replica has handed something out, or after four lease periods of the first.
        _ = Task.Run(async () =>
        {
            var periods = Task.Run(async () =>
            {
                for (var k = 0; k < 4; k++) await r1.NextTickAsync();
            });
            await Task.WhenAny(run.FirstHandedOutBy(r3.ReplicaNumber), periods);
            slowSends.TrySetResult();
        });
        await QueueReplicas.UntilAsync(() => QueueReplicas.Fair(Partitions, r1, r2, r3), _timeout, r1, r2, r3);
        Assert.Equal([4, 3, 3], Shares(r1, r2, r3));
        var fairAfter = joining.Elapsed;
        joined.TrySetResult();
        await producer.WaitAsync(_timeout);
        for (var round = 0; round < rounds; round++) await run.RoundDone(round).WaitAsync(_timeout);
        await stop.CancelAsync();
        await Task.WhenAll(consumers);

        var moved = run.HandedOut.GroupBy(h => h.Person).Count(g => g.Any(h => h.Replica == r3.ReplicaNumber) && g.Any(h => h.Replica != r3.ReplicaNumber));
        output.WriteLine($"{rounds * people} items of {people} people; fair shares 4/3/3 {fairAfter.TotalSeconds:F1} s after the third replica opened (3 s leases); " +
            $"{run.HandedOut.Count(h => h.Replica == r3.ReplicaNumber)} items handed out by it; {moved} people had items on both sides of a hand-over; {run.Violations.Count} order violations");
        Assert.Empty(run.Violations);
        Assert.Equal(rounds * people, run.HandedOut.Count);
        Assert.Equal(rounds * people, run.HandedOut.Select(h => h.Id).Distinct().Count());
        Assert.Contains(run.HandedOut, h => h.Replica == r3.ReplicaNumber);
        // The people whose partitions moved to the third replica had items from both sides of the hand-over.
        Assert.Contains(run.HandedOut.GroupBy(h => h.Person), g => g.Any(h => h.Replica == r3.ReplicaNumber) && g.Any(h => h.Replica != r3.ReplicaNumber));
        await r3.DisposeAsync();
    }

    [RedisFact]
    public async Task A_replica_that_dies_has_its_partitions_and_unfinished_items_taken_over_and_its_consumer_name_removed_once_they_are_claimed()
    {
        var dying = await redis.ConnectAsync();
        await using var r1 = await RedisEventQueue.OpenAsync(redis.Redis, Options());
        var r2 = await RedisEventQueue.OpenAsync(dying, Options());
        await QueueReplicas.UntilAsync(() => QueueReplicas.Fair(Partitions, r1, r2), _timeout, r1, r2);
        var theirs = r2.OwnedPartitions;
        Assert.Equal(5, theirs.Count);

        // The second replica accepts 60 items; it reads and takes the ones of its partitions, finishes half of those, and dies.
        var items = Enumerable.Range(0, 60).Select(n => Item($"person-{n % 12}", n)).ToList();
        foreach (var item in items) Assert.True(r2.Enqueue(item).Accepted);
        foreach (var item in items) Assert.True(await r2.WhenDurableAsync(item, _timeout));
        var its = items.Where(i => theirs.Contains(RedisEventQueue.PartitionOf(i.UserKey, Partitions))).ToList();
        Assert.NotEmpty(its);
        var inFlight = new List<QueuedItem>();
        while (inFlight.Count < its.Count && await r2.WaitToReadAsync(_timeout))
            while (r2.TryDequeue(out var item)) inFlight.Add(item);
        var sent = inFlight.Take(its.Count / 2).ToList();
        foreach (var item in sent) await r2.CompleteAsync(item, _timeout);
        var db = redis.Redis.GetDatabase();
        var keys = new RedisQueueKeys(_prefix, Partitions);
        var name = r2.ReplicaNumber.ToString(CultureInfo.InvariantCulture);
        // Its unfinished items are pending under its consumer name in Redis.
        var pendingIn = inFlight.Skip(sent.Count).Select(i => RedisEventQueue.PartitionOf(i.UserKey, Partitions)).Distinct().ToList();
        Assert.NotEmpty(pendingIn);
        Assert.All(pendingIn, p => Assert.Contains(db.StreamConsumerInfo(keys.Stream(p), "klaviyo"), c => c.Name == name && c.PendingMessageCount > 0));
        // Its process is gone, as far as Redis can tell: no lease release, no goodbye; its heartbeat and leases run out.
        await dying.CloseAsync(allowCommandsToComplete: false);

        await QueueReplicas.UntilAsync(() => r1.OwnedPartitions.Count == Partitions && r1.LiveReplicas == 1, _timeout, r1);
        var delivered = new List<QueuedItem>();
        var expected = items.Count - sent.Count;
        while (delivered.Count < expected && await r1.WaitToReadAsync(_timeout))
            while (r1.TryDequeue(out var item)) delivered.Add(item);
        Assert.Equal(items.Select(i => i.MessageId).Except(sent.Select(i => i.MessageId)).Order(), delivered.Select(i => i.MessageId).Order());
        foreach (var person in delivered.GroupBy(i => i.UserKey)) Assert.Equal(person.Select(QueueReplicas.Number).Order(), person.Select(QueueReplicas.Number));
        foreach (var item in delivered) await r1.CompleteAsync(item, _timeout);

        // Once its entries are claimed, the dead replica's consumer name leaves every partition's consumer group; the live one's stays.
        bool Gone() => Enumerable.Range(0, Partitions).All(p => db.StreamConsumerInfo(keys.Stream(p), "klaviyo").All(c => c.Name != name));
        await QueueReplicas.UntilAsync(Gone, _timeout, r1);
        Assert.True(r1.ConsumersRemoved >= theirs.Count);
        var own = r1.ReplicaNumber.ToString(CultureInfo.InvariantCulture);
        Assert.Contains(Enumerable.Range(0, Partitions), p => db.StreamConsumerInfo(keys.Stream(p), "klaviyo").Any(c => c.Name == own));
        Assert.Equal(0, Enumerable.Range(0, Partitions).Sum(p => db.StreamLength(keys.Stream(p))));
        await r2.DisposeAsync();
        await dying.DisposeAsync();
    }

    /// <summary>A replica's delivery loop: takes what it may (up to 50 items in flight), sends them (once <paramref name="sending"/> lets it), completes them in order.</summary>
    private static async Task Consume(RedisEventQueue queue, DeliveryLog run, Func<Task> sending, CancellationToken stop)
    {
        try
        {
            while (await queue.WaitToReadAsync(stop))
            {
                var batch = new List<QueuedItem>();
                while (batch.Count < 50 && queue.TryDequeue(out var item))
                {
                    run.HandOut(queue.ReplicaNumber, item);
                    batch.Add(item);
                }
                await Task.Yield();
                await sending().WaitAsync(stop);
                foreach (var item in batch)
                {
                    // Sent: from here on the item is no longer in flight at this replica.
                    run.Sent(item);
                    await queue.CompleteAsync(item, stop);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// What was handed out where, and the rule across replicas: when a replica hands out a person's item, every earlier
    /// item of that person was handed out before, and the ones handed out by another replica are already sent.
    /// </summary>
    private sealed class DeliveryLog(int people)
    {
        private readonly Lock _gate = new();
        private readonly Dictionary<string, List<(int N, long Replica, bool Sent)>> _people = [];
        private readonly Dictionary<int, int> _sentPerRound = [];
        private readonly Dictionary<int, TaskCompletionSource> _roundDone = [];

        public List<(string Id, string Person, long Replica)> HandedOut { get; } = [];

        public List<string> Violations { get; } = [];

        private readonly Dictionary<long, TaskCompletionSource> _first = [];

        /// <summary>Completes once <paramref name="replica"/> has handed out an item.</summary>
        public Task FirstHandedOutBy(long replica)
        {
            lock (_gate)
            {
                if (!_first.TryGetValue(replica, out var first)) _first[replica] = first = new(TaskCreationOptions.RunContinuationsAsynchronously);
                if (HandedOut.Any(h => h.Replica == replica)) first.TrySetResult();
                return first.Task;
            }
        }

        public void HandOut(long replica, QueuedItem item)
        {
            var n = QueueReplicas.Number(item);
            lock (_gate)
            {
                HandedOut.Add((item.MessageId, item.UserKey, replica));
                if (_first.TryGetValue(replica, out var first)) first.TrySetResult();
                if (!_people.TryGetValue(item.UserKey, out var seen)) _people[item.UserKey] = seen = [];
                if (seen.Count != n) Violations.Add($"{item.MessageId} handed out by replica {replica} after {seen.Count} earlier items of the person (out of order or twice)");
                foreach (var earlier in seen)
                {
                    if (earlier.Replica != replica && !earlier.Sent)
                        Violations.Add($"{item.MessageId} handed out by replica {replica} while item {earlier.N} of the person was still in flight at replica {earlier.Replica}");
                }
                seen.Add((n, replica, false));
            }
        }

        public void Sent(QueuedItem item)
        {
            var n = QueueReplicas.Number(item);
            TaskCompletionSource? done = null;
            lock (_gate)
            {
                var seen = _people[item.UserKey];
                var i = seen.FindIndex(s => s.N == n);
                seen[i] = seen[i] with { Sent = true };
                _sentPerRound[n] = _sentPerRound.GetValueOrDefault(n) + 1;
                if (_sentPerRound[n] >= people && _roundDone.TryGetValue(n, out var waiting)) done = waiting;
            }
            done?.TrySetResult();
        }

        /// <summary>Completes once every person's item of <paramref name="round"/> is sent.</summary>
        public Task RoundDone(int round)
        {
            lock (_gate)
            {
                if (!_roundDone.TryGetValue(round, out var done)) _roundDone[round] = done = new(TaskCreationOptions.RunContinuationsAsynchronously);
                if (_sentPerRound.GetValueOrDefault(round) >= people) done.TrySetResult();
                return done.Task;
            }
        }
    }
}
