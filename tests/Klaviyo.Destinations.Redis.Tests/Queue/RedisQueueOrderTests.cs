using Klaviyo.Destinations.Redis.Tests.Support;
using StackExchange.Redis;

namespace Klaviyo.Destinations.Redis.Tests.Queue;

/// <summary>
/// Per-person order across replicas: one person's items accepted by different replicas (whose sequences are not
/// comparable: each replica numbers from its own range) are handed out in the order Redis stored them in their partition's
/// stream, by the holder and, after a takeover, by the next holder, a retried item still ahead of the person's later ones.
/// </summary>
public sealed class RedisQueueOrderTests(RedisQueueFixture redis) : IClassFixture<RedisQueueFixture>
{
    private const int Partitions = 4;
    private readonly string _prefix = "order:" + Guid.NewGuid().ToString("N")[..12];
    private readonly CancellationToken _timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    // Without rebalancing (hot standby): the first replica opened holds every partition, the others accept only.
    private RedisEventQueueOptions Options() => new() { KeyPrefix = _prefix, Partitions = Partitions, LeaseDuration = TimeSpan.FromSeconds(1), Rebalance = false };

    private static QueuedItem Item(string user, int n) => QueueItems.Event(user, n, "Order Test");

    private async Task<List<QueuedItem>> TakeAsync(IEventQueue queue, int count)
    {
        var taken = new List<QueuedItem>();
        while (taken.Count < count && await queue.WaitToReadAsync(_timeout))
            while (taken.Count < count && queue.TryDequeue(out var item)) taken.Add(item);
        Assert.Equal(count, taken.Count);
        return taken;
    }

    /// <summary>Accepts each item through the replica next in turn and waits until Redis has it before the next: the stream holds them in this order.</summary>
    private async Task AcceptInTurnsAsync(IReadOnlyList<RedisEventQueue> replicas, IReadOnlyList<QueuedItem> items, int offset = 0)
    {
        for (var i = 0; i < items.Count; i++)
        {
            var replica = replicas[(i + offset) % replicas.Count];
            Assert.True(replica.Enqueue(items[i]).Accepted);
            Assert.True(await replica.WhenDurableAsync(items[i], _timeout));
        }
    }

    /// <summary>The message ids of <paramref name="items"/> in their partition's stream, in stream order (the order Redis stored them).</summary>
    private async Task<List<string>> StreamOrderAsync(IReadOnlyList<QueuedItem> items)
    {
        var keys = new RedisQueueKeys(_prefix, Partitions);
        var entries = await redis.Redis.GetDatabase().StreamRangeAsync(keys.Stream(RedisEventQueue.PartitionOf(items[0].UserKey, Partitions)));
        // Sequences are unique across replicas (each numbers from its own range): the entry's sequence names the item.
        var bySequence = items.ToDictionary(i => i.Sequence, i => i.MessageId);
        return [.. entries.Select(e => (long)e["s"]).Where(bySequence.ContainsKey).Select(s => bySequence[s])];
    }

    private static List<string> Of(IEnumerable<QueuedItem> items, string user) => [.. items.Where(i => i.UserKey == user).Select(i => i.MessageId)];

    [RedisFact]
    public async Task One_persons_items_accepted_in_turns_by_three_replicas_are_handed_out_in_the_order_Redis_stored_them()
    {
        await using var holder = await RedisEventQueue.OpenAsync(redis.Redis, Options());
        Assert.Equal(Partitions, holder.OwnedPartitions.Count);
        await using var c2 = await redis.ConnectAsync();
        await using var c3 = await redis.ConnectAsync();
        await using var b = await RedisEventQueue.OpenAsync(c2, Options());
        await using var c = await RedisEventQueue.OpenAsync(c3, Options());
        Assert.Empty(b.OwnedPartitions);
        Assert.Empty(c.OwnedPartitions);

        // The third replica first accepts many items of other people: its counter is far from the others' too.
        var others = Enumerable.Range(0, 300).Select(n => Item($"other-{n % 7}", n)).ToList();
        foreach (var item in others) Assert.True(c.Enqueue(item).Accepted);
        foreach (var item in others) Assert.True(await c.WhenDurableAsync(item, _timeout));

        // One person's identify, order, shipment... arrive at whichever replica the load balancer picks: C, B, the holder, C, ...
        var mine = Enumerable.Range(0, 12).Select(n => Item("person-1", n)).ToList();
        // And a second person's, alternating the other way round, at the same time.
        var theirs = Enumerable.Range(0, 12).Select(n => Item("person-2", n)).ToList();
        for (var i = 0; i < mine.Count; i++)
        {
            await AcceptInTurnsAsync([c, b, holder], [mine[i]], offset: i);
            await AcceptInTurnsAsync([holder, b, c], [theirs[i]], offset: i);
        }
        // The sequences the replicas gave do not follow arrival (the holder's are the lowest, the third's the highest) ...
        Assert.NotEqual(mine.Select(i => i.Sequence).Order(), mine.Select(i => i.Sequence));
        // ... and Redis has them in the order they arrived.
        Assert.Equal(Of(mine, "person-1"), await StreamOrderAsync(mine));
        Assert.Equal(Of(theirs, "person-2"), await StreamOrderAsync(theirs));

        var taken = await TakeAsync(holder, others.Count + mine.Count + theirs.Count);
        Assert.Equal(Of(mine, "person-1"), Of(taken, "person-1"));
        Assert.Equal(Of(theirs, "person-2"), Of(taken, "person-2"));
        foreach (var person in taken.Where(i => i.UserKey.StartsWith("other-", StringComparison.Ordinal)).GroupBy(i => i.UserKey))
            Assert.Equal(Of(others, person.Key), Of(person, person.Key));

        // The accepting replicas' flushes are done once Redis has their items; the holder's once it finished what it took.
        await b.WhenFinishedAsync(b.Backlog.LastSequence, _timeout);
        await c.WhenFinishedAsync(c.Backlog.LastSequence, _timeout);
        var flush = holder.WhenFinishedAsync(holder.Backlog.LastSequence, _timeout);
        Assert.False(flush.IsCompleted);
        foreach (var item in taken) await holder.CompleteAsync(item, _timeout);
        await flush;
        Assert.Equal(0, holder.Backlog.Unfinished);
    }

    [RedisFact]
    public async Task After_a_takeover_a_persons_retried_item_comes_first_then_the_rest_in_the_order_Redis_stored_them()
    {
        var dying = await redis.ConnectAsync();
        var first = await RedisEventQueue.OpenAsync(dying, Options());
        Assert.Equal(Partitions, first.OwnedPartitions.Count);
        await using var c2 = await redis.ConnectAsync();
        await using var c3 = await redis.ConnectAsync();
        await using var b = await RedisEventQueue.OpenAsync(c2, Options());
        await using var c = await RedisEventQueue.OpenAsync(c3, Options());

        var items = Enumerable.Range(0, 15).Select(n => Item("person-1", n)).ToList();
        await AcceptInTurnsAsync([c, first, b], items[..12]);
        Assert.Equal(Of(items[..12], "person-1"), await StreamOrderAsync(items[..12]));

        // The first holder takes the person's first three items (and reads the rest ahead): it sends the first, the second
        // fails and is to be retried later, the third is in flight behind it. Then it dies.
        var inFlight = await TakeAsync(first, 3);
        Assert.Equal(Of(items[..3], "person-1"), Of(inFlight, "person-1"));
        await first.CompleteAsync(inFlight[0], _timeout);
        var retryAt = DateTimeOffset.UtcNow.AddMinutes(5);
        inFlight[1].Attempts = 2;
        inFlight[1].NotBefore = retryAt;
        await first.RecordRetryAsync(inFlight[1], _timeout);
        await dying.CloseAsync(allowCommandsToComplete: false);

        // Meanwhile the person's next items keep arriving at the replicas that are left.
        await AcceptInTurnsAsync([b, c], items[12..]);

        // A replica that is left takes the person's partition over: the retried item first, with its retry state, then the rest.
        var partition = RedisEventQueue.PartitionOf("person-1", Partitions);
        RedisEventQueue? survivor;
        while ((survivor = new[] { b, c }.FirstOrDefault(r => r.OwnedPartitions.Contains(partition))) is null)
            await Task.WhenAny(b.NextTickAsync(), c.NextTickAsync()).WaitAsync(_timeout);
        var taken = await TakeAsync(survivor, items.Count - 1);
        Assert.Equal(Of(items[1..], "person-1"), Of(taken, "person-1"));
        Assert.Equal(2, taken[0].Attempts);
        Assert.Equal(retryAt.UtcTicks, taken[0].NotBefore?.UtcTicks);
        foreach (var item in taken) await survivor.CompleteAsync(item, _timeout);
        Assert.Empty(await StreamOrderAsync(items));
        await first.DisposeAsync();
        await dying.DisposeAsync();
    }
    [RedisFact]
    public async Task A_write_sent_again_or_run_late_adds_nothing_twice_and_never_puts_an_earlier_item_after_a_later_one()
    {
        await using var holder = await RedisEventQueue.OpenAsync(redis.Redis, Options());
        await using var connection = await redis.ConnectAsync();
        await using var accepting = await RedisEventQueue.OpenAsync(connection, Options());
        var items = Enumerable.Range(0, 9).Select(n => Item("person-1", n)).ToList();
        await AcceptInTurnsAsync([accepting], items[..6]);

        // The accepting replica's writes as Redis ran them, sent again: once whole (its answer was lost and the writer
        // sends the buffer again), once an older, shorter write that Redis runs only now (late).
        var keys = new RedisQueueKeys(_prefix, Partitions);
        var partition = RedisEventQueue.PartitionOf("person-1", Partitions);
        var stored = await redis.Redis.GetDatabase().StreamRangeAsync(keys.Stream(partition));
        var again = stored.Select(e => new StreamAppend.Entry((long)e["s"], (long)e["s"] - accepting.ReplicaNumber * RedisEventQueue.SequenceRange, (long)e["t"], (byte[])e["d"]!)).ToList();
        Assert.Equal(6, again.Count);
        var db = connection.GetDatabase();
        var mark = keys.Mark(partition, accepting.ReplicaNumber);
        Assert.Equal(0, await StreamAppend.AddAsync(db, keys.Stream(partition), mark, accepting.ReplicaNumber, again));
        Assert.Equal(0, await StreamAppend.AddAsync(db, keys.Stream(partition), mark, accepting.ReplicaNumber, again[..3]));
        await AcceptInTurnsAsync([accepting], items[6..]);

        // Each item once, in acceptance order, and handed out so.
        Assert.Equal(Of(items, "person-1"), await StreamOrderAsync(items));
        var taken = await TakeAsync(holder, items.Count);
        Assert.Equal(Of(items, "person-1"), Of(taken, "person-1"));
        foreach (var item in taken) await holder.CompleteAsync(item, _timeout);
        await holder.WhenFinishedAsync(holder.Backlog.LastSequence, _timeout);
        Assert.Equal(0, holder.Count);
        Assert.Empty(await StreamOrderAsync(items));
    }
    [RedisFact]
    public async Task A_holder_that_closes_leaves_a_persons_later_items_to_the_next_holder_with_the_earlier_one_it_did_not_take()
    {
        // The holder looks for other replicas' items only once a minute: it reads the stream when its own item is stored.
        var options = Options();
        options.PollInterval = TimeSpan.FromMinutes(1);
        var holder = await RedisEventQueue.OpenAsync(redis.Redis, options);
        await using var connection = await redis.ConnectAsync();
        await using var next = await RedisEventQueue.OpenAsync(connection, Options());
        var earlier = Item("person-1", 0);
        var later = Item("person-1", 1);
        await AcceptInTurnsAsync([next], [earlier]);
        // The holder accepts the person's next item and is closed (shutting down) before it has read the stream back.
        Assert.True(holder.Enqueue(later).Accepted);
        holder.Close();

        // After Close a holder hands out only what it had read before and its own items; it must not send the later item
        // while leaving the earlier one (another replica's, read after Close) to the next holder.
        var sent = new List<QueuedItem>();
        while (await holder.WaitToReadAsync(_timeout))
            while (holder.TryDequeue(out var item)) sent.Add(item);
        foreach (var item in sent) await holder.CompleteAsync(item, _timeout);
        await holder.WhenFinishedAsync(later.Sequence, _timeout);
        await holder.DisposeAsync();

        var partition = RedisEventQueue.PartitionOf("person-1", Partitions);
        while (!next.OwnedPartitions.Contains(partition)) await next.NextTickAsync().WaitAsync(_timeout);
        var rest = 2 - sent.Count;
        if (rest > 0) sent.AddRange(await TakeAsync(next, rest));
        Assert.Equal(["person-1/0", "person-1/1"], sent.Select(i => i.MessageId));
        foreach (var item in sent.Skip(2 - rest)) await next.CompleteAsync(item, _timeout);
        Assert.Empty(await StreamOrderAsync([earlier, later]));
    }
}
