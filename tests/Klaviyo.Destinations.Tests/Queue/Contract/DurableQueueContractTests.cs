#if QUEUE_CONTRACT_NEEDS_REDIS
// Compiled into the Redis tests too: there the suite needs a real redis-server, skipped with the reason where it is absent (never under CI=true).
using ContractFact = Klaviyo.Destinations.Redis.Tests.Support.RedisFactAttribute;
#else
using ContractFact = Xunit.FactAttribute;
#endif
namespace Klaviyo.Destinations.Tests.Queue.Contract;

/// <summary>
/// The contract of a durable queue (<see cref="IEventQueue.IsDurable"/>): on top of <see cref="QueueContractTests"/>,
/// what survives disposing the queue and opening it again on the same storage.
/// </summary>
public abstract class DurableQueueContractTests : QueueContractTests
{
    /// <summary>Opens the queue again on the storage of the last <see cref="QueueContractTests.CreateQueueAsync"/> (the previous instance is disposed).</summary>
    protected abstract ValueTask<IEventQueue> ReopenQueueAsync();

    /// <inheritdoc />
    protected override bool ExpectDurable => true;

    [ContractFact]
    public async Task Unfinished_items_survive_a_reopen_in_order_with_their_retry_state_and_acceptance_time()
    {
        var accepted = Clock.GetUtcNow();
        List<QueuedItem> items;
        await using (var queue = await CreateQueueAsync())
        {
            items = await AcceptAsync(queue, 1, 2, 3, 4);
            var taken = await TakeAsync(queue, 4);
            await queue.CompleteAsync(taken[0], Timeout);
            taken[2].Attempts = 3;
            taken[2].FirstTakenAt = accepted.AddSeconds(1);
            taken[2].NotBefore = accepted.AddMinutes(2);
            await queue.RecordRetryAsync(taken[2], Timeout);
            await queue.WhenFinishedAsync(taken[0].Sequence, Timeout);
            // Disposing commits the recorded retry.
        }
        Clock.Advance(TimeSpan.FromHours(1));

        await using var reopened = await ReopenQueueAsync();
        var backlog = reopened.Backlog;
        Assert.Equal(3, backlog.Unfinished);
        Assert.Equal(items[1].Sequence, backlog.LowestUnfinished);
        Assert.Equal(accepted, backlog.OldestUnfinishedAt);
        Assert.True(backlog.LastSequence >= items[3].Sequence);

        var again = await TakeAsync(reopened, 3);
        Assert.Equal(items.Skip(1).Select(i => i.Sequence), again.Select(i => i.Sequence));
        Assert.Equal(["m-2", "m-3", "m-4"], again.Select(i => i.MessageId));
        Assert.Equal(3, again[1].Attempts);
        Assert.Equal(accepted.AddSeconds(1), again[1].FirstTakenAt);
        Assert.Equal(accepted.AddMinutes(2), again[1].NotBefore);
        Assert.Equal(0, again[0].Attempts);

        // New items come after the reloaded ones, and a flush covers the reloaded ones too.
        var next = Item(5);
        Assert.True(reopened.Enqueue(next).Accepted);
        Assert.True(next.Sequence > items[3].Sequence);
        var flush = reopened.WhenFinishedAsync(items[3].Sequence, Timeout);
        foreach (var item in again.Take(2)) await reopened.CompleteAsync(item, Timeout);
        await reopened.WhenFinishedAsync(items[2].Sequence, Timeout);
        Assert.False(flush.IsCompleted);
        await reopened.CompleteAsync(again[2], Timeout);
        await flush;
    }

    [ContractFact]
    public async Task Dead_letters_survive_a_reopen_and_can_be_replayed_there()
    {
        await using (var queue = await CreateQueueAsync())
        {
            await AcceptAsync(queue, 1, 2);
            var taken = await TakeAsync(queue, 2);
            await queue.DeadLetterAsync(taken[0], "gave up", Timeout);
            await queue.CompleteAsync(taken[1], Timeout);
            await queue.WhenFinishedAsync(taken[1].Sequence, Timeout);
        }
        await using var reopened = await ReopenQueueAsync();
        Assert.Equal(0, reopened.Backlog.Unfinished);
        Assert.Equal(1, reopened.DeadLetterCount);
        var letter = Assert.Single(await reopened.ListDeadLettersAsync(10, Timeout));
        Assert.Equal("m-1", letter.MessageId);
        Assert.Equal(1, await reopened.ReplayDeadLettersAsync(null, Timeout));
        var item = (await TakeAsync(reopened, 1))[0];
        Assert.Equal("m-1", item.MessageId);
        Assert.Equal(1, reopened.Backlog.Unfinished);
    }
}
