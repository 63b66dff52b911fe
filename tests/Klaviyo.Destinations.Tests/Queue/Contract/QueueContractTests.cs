#if QUEUE_CONTRACT_NEEDS_REDIS
// Compiled into the Redis tests too: there the suite needs a real redis-server, skipped with the reason where it is absent (never under CI=true).
using ContractFact = Klaviyo.Destinations.Redis.Tests.Support.RedisFactAttribute;
#else
using ContractFact = Xunit.FactAttribute;
#endif
using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Time.Testing;

namespace Klaviyo.Destinations.Tests.Queue.Contract;

/// <summary>
/// The <see cref="IEventQueue"/> contract, run against every implementation: subclass it, create a fresh queue (on
/// fresh storage) in <see cref="CreateQueueAsync"/>, and the suite checks ordering, refusals, the watermark, completion,
/// dead letters, close and the backlog's age. Durable queues subclass <see cref="DurableQueueContractTests"/>, which adds
/// what must survive a reopen. Every test disposes the queues it creates.
/// </summary>
public abstract class QueueContractTests : IDisposable
{
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(30));

    /// <summary>The clock every queue of the test must use (for acceptance and dead-letter times).</summary>
    protected FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 8, 3, 12, 0, 0, TimeSpan.Zero));

    /// <summary>Cancelled when a test runs for more than 30 seconds: a wait that never ends fails instead of hanging.</summary>
    protected CancellationToken Timeout => _timeout.Token;

    /// <summary>A new, empty queue on fresh storage, using <see cref="Clock"/>.</summary>
    protected abstract ValueTask<IEventQueue> CreateQueueAsync();

    /// <summary>Whether the implementation says it is durable.</summary>
    protected abstract bool ExpectDurable { get; }

    /// <inheritdoc />
    public virtual void Dispose()
    {
        _timeout.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>A distinct event item (<paramref name="n"/> is in its message id).</summary>
    protected static QueuedItem Item(int n, string user = "u") => new()
    {
        Kind = ItemKind.Event,
        MessageId = $"m-{n}",
        UserId = user,
        UserKey = user,
        Profile = Encoding.UTF8.GetBytes($$"""{"external_id":"{{user}}"}"""),
        Properties = Encoding.UTF8.GetBytes($$"""{"n":{{n}}}"""),
        Metric = "Contract Test",
        UniqueId = $"u-{n}",
        Time = new DateTimeOffset(2026, 8, 3, 12, 0, 0, TimeSpan.Zero).AddSeconds(n),
        AcceptedAt = new DateTimeOffset(2026, 8, 3, 12, 0, 0, TimeSpan.Zero),
    };

    /// <summary>Enqueues items that must be accepted, and waits until the queue keeps them.</summary>
    protected async Task<List<QueuedItem>> AcceptAsync(IEventQueue queue, params int[] numbers)
    {
        var items = numbers.Select(n => Item(n)).ToList();
        foreach (var item in items)
        {
            var result = queue.Enqueue(item);
            Assert.True(result.Accepted, result.Reason);
            Assert.Equal(item.Sequence, result.Sequence);
        }
        foreach (var item in items) Assert.True(await queue.WhenDurableAsync(item, Timeout));
        return items;
    }

    /// <summary>Takes at least <paramref name="count"/> items (waiting for them), in the order the queue hands them out.</summary>
    protected async Task<List<QueuedItem>> TakeAsync(IEventQueue queue, int count)
    {
        var taken = new List<QueuedItem>();
        while (taken.Count < count && await queue.WaitToReadAsync(Timeout))
            while (taken.Count < count && queue.TryDequeue(out var item)) taken.Add(item);
        Assert.Equal(count, taken.Count);
        return taken;
    }

    private static int N(QueuedItem item) => int.Parse(item.MessageId.AsSpan(2), System.Globalization.CultureInfo.InvariantCulture);

    [ContractFact]
    public async Task Accepted_items_get_increasing_sequences_and_are_handed_out_in_that_order()
    {
        await using var queue = await CreateQueueAsync();
        Assert.Equal(ExpectDurable, queue.IsDurable);
        var items = await AcceptAsync(queue, [.. Enumerable.Range(1, 50)]);
        for (var i = 1; i < items.Count; i++) Assert.True(items[i].Sequence > items[i - 1].Sequence);
        Assert.True(items[0].Sequence >= 1);

        var taken = await TakeAsync(queue, 50);
        Assert.Equal(Enumerable.Range(1, 50), taken.Select(N));
        Assert.Equal(items.Select(i => i.Sequence), taken.Select(i => i.Sequence));
        Assert.Equal(0, queue.Count);
    }

    [ContractFact]
    public async Task Items_enqueued_from_many_threads_keep_one_order_by_sequence()
    {
        await using var queue = await CreateQueueAsync();
        var results = new ConcurrentBag<(int N, long Sequence)>();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 250; i++)
            {
                var item = Item(t * 1000 + i, user: $"user-{t}");
                var result = queue.Enqueue(item);
                Assert.True(result.Accepted, result.Reason);
                results.Add((t * 1000 + i, result.Sequence));
            }
        })));
        Assert.Equal(1000, results.Select(r => r.Sequence).Distinct().Count());

        var taken = await TakeAsync(queue, 1000);
        Assert.Equal(taken.Select(i => i.Sequence).Order(), taken.Select(i => i.Sequence));
        // Each thread's items come out in the order that thread enqueued them.
        foreach (var lane in taken.GroupBy(i => i.UserKey)) Assert.Equal(lane.Select(N).Order(), lane.Select(N));
        Assert.Equal(1000, queue.Backlog.Unfinished);
    }

    [ContractFact]
    public async Task A_closed_queue_refuses_new_items_with_the_reason_and_readers_drain_what_is_left()
    {
        await using var queue = await CreateQueueAsync();
        await AcceptAsync(queue, 1, 2, 3);
        var before = queue.Backlog;
        queue.Close();

        var late = Item(4);
        var refused = queue.Enqueue(late);
        Assert.False(refused.Accepted);
        Assert.Equal(EnqueueRefusal.Closed, refused.Refusal);
        Assert.Contains("shutting down", refused.Reason);
        Assert.Equal(0, refused.Sequence);
        Assert.Equal(before.LastSequence, queue.Backlog.LastSequence);

        var taken = await TakeAsync(queue, 3);
        Assert.Equal([1, 2, 3], taken.Select(N));
        Assert.False(await queue.WaitToReadAsync(Timeout));
    }

    [ContractFact]
    public async Task The_watermark_is_the_lowest_unfinished_sequence_whatever_order_items_finish_in()
    {
        await using var queue = await CreateQueueAsync();
        var items = await AcceptAsync(queue, 1, 2, 3, 4, 5);
        var s = items.Select(i => i.Sequence).ToArray();
        var backlog = queue.Backlog;
        Assert.Equal(s[4], backlog.LastSequence);
        Assert.Equal(s[0], backlog.LowestUnfinished);
        Assert.Equal(5, backlog.Unfinished);
        Assert.False(backlog.IsFinishedThrough(s[0]));

        var taken = await TakeAsync(queue, 5);
        // Taking an item does not finish it.
        Assert.Equal(s[0], queue.Backlog.LowestUnfinished);
        var all = queue.WhenFinishedAsync(s[4], Timeout);
        await queue.CompleteAsync(taken[4], Timeout);
        await queue.CompleteAsync(taken[2], Timeout);
        await queue.CompleteAsync(taken[0], Timeout);
        await queue.CompleteAsync(taken[1], Timeout);
        await queue.WhenFinishedAsync(s[2], Timeout);
        Assert.False(all.IsCompleted, "The flush completed while an item before its sequence was unfinished.");
        backlog = queue.Backlog;
        Assert.Equal(s[3], backlog.LowestUnfinished);
        Assert.Equal(1, backlog.Unfinished);

        await queue.CompleteAsync(taken[3], Timeout);
        await all;
        backlog = queue.Backlog;
        Assert.Equal(backlog.LastSequence + 1, backlog.LowestUnfinished);
        Assert.Equal(0, backlog.Unfinished);
        Assert.Null(backlog.OldestUnfinishedAt);
        Assert.True(backlog.IsFinishedThrough(s[4]));
    }

    [ContractFact]
    public async Task A_flush_waits_for_the_items_before_it_and_not_for_those_accepted_after()
    {
        await using var queue = await CreateQueueAsync();
        var first = await AcceptAsync(queue, 1, 2);
        var target = queue.Backlog.LastSequence;
        Assert.Equal(first[^1].Sequence, target);
        var flush = queue.WhenFinishedAsync(target, Timeout);
        var later = await AcceptAsync(queue, 3);
        Assert.True(later[0].Sequence > target);

        var taken = await TakeAsync(queue, 3);
        await queue.CompleteAsync(taken[0], Timeout);
        await queue.CompleteAsync(taken[1], Timeout);
        await flush;
        Assert.Equal(later[0].Sequence, queue.Backlog.LowestUnfinished);
        Assert.Equal(1, queue.Backlog.Unfinished);
    }

    [ContractFact]
    public async Task A_flush_with_nothing_unfinished_completes_at_once()
    {
        await using var queue = await CreateQueueAsync();
        var empty = queue.Backlog;
        Assert.Equal(empty.LastSequence + 1, empty.LowestUnfinished);
        await queue.WhenFinishedAsync(empty.LastSequence, Timeout);
        Assert.Null(empty.OldestUnfinishedAt);
        Assert.Equal(TimeSpan.Zero, empty.AgeAt(Clock.GetUtcNow()));
    }

    [ContractFact]
    public async Task Finishing_an_item_twice_is_harmless()
    {
        await using var queue = await CreateQueueAsync();
        await AcceptAsync(queue, 1, 2);
        var taken = await TakeAsync(queue, 2);
        await queue.CompleteAsync(taken[0], Timeout);
        await queue.CompleteAsync(taken[0], Timeout);
        await queue.WhenFinishedAsync(taken[0].Sequence, Timeout);
        Assert.Equal(1, queue.Backlog.Unfinished);
        Assert.Equal(taken[1].Sequence, queue.Backlog.LowestUnfinished);
        await queue.CompleteAsync(taken[1], Timeout);
        await queue.WhenFinishedAsync(taken[1].Sequence, Timeout);
        Assert.Equal(0, queue.Backlog.Unfinished);
    }

    [ContractFact]
    public async Task A_recorded_retry_keeps_the_item_unfinished()
    {
        await using var queue = await CreateQueueAsync();
        await AcceptAsync(queue, 1);
        var item = (await TakeAsync(queue, 1))[0];
        item.Attempts = 2;
        item.FirstTakenAt = Clock.GetUtcNow();
        item.NotBefore = Clock.GetUtcNow().AddSeconds(30);
        await queue.RecordRetryAsync(item, Timeout);
        var flush = queue.WhenFinishedAsync(item.Sequence, Timeout);
        Assert.Equal(item.Sequence, queue.Backlog.LowestUnfinished);
        Assert.False(flush.IsCompleted);
        await queue.CompleteAsync(item, Timeout);
        await flush;
    }

    [ContractFact]
    public async Task A_dead_letter_finishes_the_item_is_listed_with_its_reason_and_can_be_replayed()
    {
        await using var queue = await CreateQueueAsync();
        await AcceptAsync(queue, 1, 2, 3);
        var taken = await TakeAsync(queue, 3);
        taken[1].Attempts = 5;
        Clock.Advance(TimeSpan.FromMinutes(1));
        await queue.DeadLetterAsync(taken[1], "Gave up after 5 attempts; last answer: 503", Timeout);
        await queue.CompleteAsync(taken[0], Timeout);
        await queue.CompleteAsync(taken[2], Timeout);
        await queue.WhenFinishedAsync(taken[2].Sequence, Timeout);
        Assert.Equal(0, queue.Backlog.Unfinished);

        Assert.Equal(1, queue.DeadLetterCount);
        var letter = Assert.Single(await queue.ListDeadLettersAsync(10, Timeout));
        Assert.Equal(taken[1].Sequence, letter.Id);
        Assert.Equal("m-2", letter.MessageId);
        Assert.Equal(ItemKind.Event, letter.Kind);
        Assert.Equal("u-2", letter.UniqueId);
        Assert.Equal("Contract Test", letter.Metric);
        Assert.Equal(5, letter.Attempts);
        Assert.Equal(Clock.GetUtcNow(), letter.FailedAt);
        Assert.Contains("503", letter.Reason);

        var lastBefore = queue.Backlog.LastSequence;
        Assert.Equal(1, await queue.ReplayDeadLettersAsync([letter.Id], Timeout));
        Assert.Equal(0, queue.DeadLetterCount);
        Assert.Empty(await queue.ListDeadLettersAsync(10, Timeout));
        var again = (await TakeAsync(queue, 1))[0];
        Assert.Equal("m-2", again.MessageId);
        Assert.Equal(0, again.Attempts);
        Assert.True(again.Sequence > lastBefore, "A replayed dead letter goes to the back of the queue with a new sequence.");
        // The replayed item is unfinished again: a flush waits for it.
        var flush = queue.WhenFinishedAsync(queue.Backlog.LastSequence, Timeout);
        Assert.False(flush.IsCompleted);
        await queue.CompleteAsync(again, Timeout);
        await flush;
    }

    [ContractFact]
    public async Task Replaying_without_ids_replays_every_dead_letter_in_order()
    {
        await using var queue = await CreateQueueAsync();
        await AcceptAsync(queue, 1, 2, 3);
        var taken = await TakeAsync(queue, 3);
        foreach (var item in taken) await queue.DeadLetterAsync(item, "gave up", Timeout);
        await queue.WhenFinishedAsync(taken[2].Sequence, Timeout);
        Assert.Equal(3, queue.DeadLetterCount);
        Assert.Equal([1, 2], (await queue.ListDeadLettersAsync(2, Timeout)).Select(d => int.Parse(d.MessageId.AsSpan(2), System.Globalization.CultureInfo.InvariantCulture)));

        Assert.Equal(0, await queue.ReplayDeadLettersAsync([long.MaxValue - 1], Timeout));
        Assert.Equal(3, await queue.ReplayDeadLettersAsync(null, Timeout));
        Assert.Equal([1, 2, 3], (await TakeAsync(queue, 3)).Select(N));
        Assert.Equal(0, queue.DeadLetterCount);
    }

    [ContractFact]
    public async Task The_backlog_age_is_the_time_since_the_oldest_unfinished_item_was_accepted()
    {
        await using var queue = await CreateQueueAsync();
        var start = Clock.GetUtcNow();
        var first = await AcceptAsync(queue, 1);
        Clock.Advance(TimeSpan.FromMinutes(5));
        await AcceptAsync(queue, 2);
        Clock.Advance(TimeSpan.FromMinutes(5));

        var backlog = queue.Backlog;
        Assert.Equal(start, backlog.OldestUnfinishedAt);
        Assert.Equal(TimeSpan.FromMinutes(10), backlog.AgeAt(Clock.GetUtcNow()));

        var taken = await TakeAsync(queue, 2);
        await queue.CompleteAsync(taken[0], Timeout);
        await queue.WhenFinishedAsync(first[0].Sequence, Timeout);
        Assert.Equal(TimeSpan.FromMinutes(5), queue.Backlog.AgeAt(Clock.GetUtcNow()));

        await queue.CompleteAsync(taken[1], Timeout);
        await queue.WhenFinishedAsync(taken[1].Sequence, Timeout);
        Assert.Null(queue.Backlog.OldestUnfinishedAt);
    }

    [ContractFact]
    public async Task Disposing_the_queue_ends_a_flush_that_cannot_finish()
    {
        var queue = await CreateQueueAsync();
        await AcceptAsync(queue, 1);
        var flush = queue.WhenFinishedAsync(queue.Backlog.LastSequence, Timeout);
        await queue.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => flush);
    }
}
