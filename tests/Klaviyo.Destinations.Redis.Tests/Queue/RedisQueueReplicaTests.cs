using Klaviyo.Destinations.Redis.Tests.Support;

namespace Klaviyo.Destinations.Redis.Tests.Queue;

/// <summary>Several replicas on one Redis queue (separate connections, as separate processes have).</summary>
public sealed class RedisQueueReplicaTests(RedisQueueFixture redis) : IClassFixture<RedisQueueFixture>
{
    private readonly string _prefix = "replicas:" + Guid.NewGuid().ToString("N")[..12];
    private readonly CancellationToken _timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    private RedisEventQueueOptions Options(bool rebalance = true) => new() { KeyPrefix = _prefix, Partitions = 8, LeaseDuration = TimeSpan.FromSeconds(1), Rebalance = rebalance };

    private static QueuedItem Item(string user, int n) => QueueItems.Event(user, n, "Replica Test");

    private async Task<List<QueuedItem>> TakeAsync(IEventQueue queue, int count)
    {
        var taken = new List<QueuedItem>();
        while (taken.Count < count && await queue.WaitToReadAsync(_timeout))
            while (taken.Count < count && queue.TryDequeue(out var item)) taken.Add(item);
        return taken;
    }

    [RedisFact]
    public async Task A_replica_delivers_what_another_accepted_for_a_partition_it_holds_and_the_other_counts_it_finished_once_stored()
    {
        // Without rebalancing (hot standby): the first replica holds every partition, the other none.
        await using var holder = await RedisEventQueue.OpenAsync(redis.Redis, Options(rebalance: false));
        Assert.Equal(8, holder.OwnedPartitions.Count);
        await using var connection = await redis.ConnectAsync();
        await using var other = await RedisEventQueue.OpenAsync(connection, Options(rebalance: false));
        Assert.Empty(other.OwnedPartitions);

        var items = Enumerable.Range(0, 30).Select(n => Item($"person-{n % 5}", n)).ToList();
        foreach (var item in items) Assert.True(other.Enqueue(item).Accepted);
        foreach (var item in items) Assert.True(await other.WhenDurableAsync(item, _timeout));
        // Stored in partitions the holder reads: a flush on the accepting replica is done.
        await other.WhenFinishedAsync(other.Backlog.LastSequence, _timeout);
        Assert.Equal(0, other.Backlog.Unfinished);

        var taken = await TakeAsync(holder, 30);
        Assert.Equal(30, taken.Count);
        foreach (var person in taken.GroupBy(i => i.UserKey))
            Assert.Equal(person.Select(i => i.MessageId).OrderBy(id => int.Parse(id.Split('/')[1], System.Globalization.CultureInfo.InvariantCulture)), person.Select(i => i.MessageId));
        foreach (var item in taken) await holder.CompleteAsync(item, _timeout);
        await holder.WhenFinishedAsync(holder.Backlog.LastSequence, _timeout);
        Assert.Equal(0, holder.Backlog.Unfinished);
    }

    [RedisFact]
    public async Task When_a_replica_stops_renewing_its_leases_another_takes_its_partitions_over_and_delivers_its_unfinished_items_in_order()
    {
        var dying = await redis.ConnectAsync();
        var first = await RedisEventQueue.OpenAsync(dying, Options());
        var items = Enumerable.Range(0, 40).Select(n => Item($"person-{n % 4}", n)).ToList();
        foreach (var item in items) Assert.True(first.Enqueue(item).Accepted);
        foreach (var item in items) Assert.True(await first.WhenDurableAsync(item, _timeout));
        // The first replica takes ten items (read, in flight) and finishes five of them before it dies.
        var inFlight = await TakeAsync(first, 10);
        foreach (var item in inFlight.Take(5)) await first.CompleteAsync(item, _timeout);
        var done = inFlight.Take(5).Select(i => i.MessageId).ToHashSet();

        await using var survivor = await RedisEventQueue.OpenAsync(redis.Redis, Options());
        Assert.Empty(survivor.OwnedPartitions);
        // The first replica loses Redis for good (its process is gone, as far as Redis can tell): no renewal, no release.
        await dying.CloseAsync(allowCommandsToComplete: false);

        var delivered = await TakeAsync(survivor, 35);
        Assert.Equal(8, survivor.OwnedPartitions.Count);
        Assert.Equal(items.Select(i => i.MessageId).Where(id => !done.Contains(id)).Order(), delivered.Select(i => i.MessageId).Order());
        foreach (var person in delivered.GroupBy(i => i.UserKey))
            Assert.Equal(person.Select(i => i.MessageId).OrderBy(id => int.Parse(id.Split('/')[1], System.Globalization.CultureInfo.InvariantCulture)), person.Select(i => i.MessageId));
        foreach (var item in delivered) await survivor.CompleteAsync(item, _timeout);
        await survivor.WhenFinishedAsync(survivor.Backlog.LastSequence, _timeout);
        Assert.Equal(0, survivor.Backlog.Unfinished);
        await first.DisposeAsync();
        await dying.DisposeAsync();
    }
    [RedisFact]
    public async Task A_holder_whose_read_ahead_is_full_of_other_replicas_items_still_reads_and_hands_out_its_own()
    {
        var options = Options(rebalance: false);
        options.ReadAhead = 1;
        await using var holder = await RedisEventQueue.OpenAsync(redis.Redis, options);
        await using var connection = await redis.ConnectAsync();
        await using var other = await RedisEventQueue.OpenAsync(connection, Options(rebalance: false));
        var theirs = Enumerable.Range(0, 30).Select(n => Item($"person-{n % 6}", n)).ToList();
        foreach (var item in theirs) Assert.True(other.Enqueue(item).Accepted);
        foreach (var item in theirs) Assert.True(await other.WhenDurableAsync(item, _timeout));
        // The holder has read ahead as much as it may (items with the other replica's higher sequences) ...
        Assert.True(await holder.WaitToReadAsync(_timeout));
        // ... and accepts one of its own, with a lower sequence: it must still get to it, and then to the rest.
        var mine = Item("person-mine", 99);
        Assert.True(holder.Enqueue(mine).Accepted);
        Assert.True(theirs.All(t => t.Sequence > mine.Sequence));
        var taken = await TakeAsync(holder, 31);
        Assert.Equal(31, taken.Count);
        Assert.Contains(taken, i => i.MessageId == mine.MessageId);
    }
}
