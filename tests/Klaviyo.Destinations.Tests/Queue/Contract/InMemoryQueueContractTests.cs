namespace Klaviyo.Destinations.Tests.Queue.Contract;

/// <summary>The queue contract for <see cref="InMemoryEventQueue"/>.</summary>
public sealed class InMemoryQueueContractTests : QueueContractTests
{
    protected override bool ExpectDurable => false;

    protected override ValueTask<IEventQueue> CreateQueueAsync() => ValueTask.FromResult<IEventQueue>(new InMemoryEventQueue(10_000, Clock));

    [Fact]
    public async Task A_full_queue_refuses_with_its_capacity_in_the_reason_and_takes_items_again_once_read()
    {
        await using var queue = new InMemoryEventQueue(2, Clock);
        Assert.True(queue.Enqueue(Item(1)).Accepted);
        Assert.True(queue.Enqueue(Item(2)).Accepted);
        var refused = queue.Enqueue(Item(3));
        Assert.Equal(EnqueueRefusal.Full, refused.Refusal);
        Assert.Contains("full (2 items waiting)", refused.Reason);
        // A refused item leaves no hole in the watermark.
        Assert.Equal(2, queue.Backlog.LastSequence);
        Assert.True(queue.TryDequeue(out var first));
        Assert.True(queue.Enqueue(Item(4)).Accepted);
        await queue.CompleteAsync(first, Timeout);
        Assert.Equal(2, queue.Backlog.LowestUnfinished);
    }

    [Fact]
    public async Task Dead_letters_beyond_the_limit_forget_the_oldest()
    {
        await using var queue = new InMemoryEventQueue(100, Clock, maxDeadLetters: 2);
        await AcceptAsync(queue, 1, 2, 3);
        foreach (var item in await TakeAsync(queue, 3)) await queue.DeadLetterAsync(item, "gave up", Timeout);
        Assert.Equal(2, queue.DeadLetterCount);
        Assert.Equal(["m-2", "m-3"], (await queue.ListDeadLettersAsync(10, Timeout)).Select(d => d.MessageId));
        Assert.Equal(0, queue.Backlog.Unfinished);
    }
}
