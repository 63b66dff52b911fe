using Klaviyo.Destinations.Redis.Tests.Support;
using StackExchange.Redis;

namespace Klaviyo.Destinations.Redis.Tests.Queue;

/// <summary>
/// Redis restarted without persistence comes back empty (no streams, no consumer group): what it held is gone, but the
/// queue goes on delivering what is accepted after.
/// </summary>
public sealed class RedisQueueEmptyRestartTests
{
    private readonly CancellationToken _timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    [RedisFact]
    public async Task After_Redis_restarts_empty_the_queue_recreates_its_consumer_group_and_delivers_new_items()
    {
        await using var server = await RedisServer.StartAsync();
        var config = ConfigurationOptions.Parse(server.Configuration);
        config.BacklogPolicy = BacklogPolicy.FailFast;
        await using var connection = await ConnectionMultiplexer.ConnectAsync(config);
        await using var queue = await RedisEventQueue.OpenAsync(connection, new RedisEventQueueOptions
        {
            KeyPrefix = "empty-restart", Partitions = 2, LeaseDuration = TimeSpan.FromSeconds(3),
            PollInterval = TimeSpan.FromMilliseconds(100), RetryInterval = TimeSpan.FromMilliseconds(100),
        });
        var first = QueueItems.Event("person-1", 1, "Empty Restart Test");
        Assert.True(queue.Enqueue(first).Accepted);
        Assert.True(await queue.WhenDurableAsync(first, _timeout));
        Assert.Equal("person-1/1", (await TakeAsync(queue)).MessageId);
        await queue.CompleteAsync(first, _timeout);

        await server.KillAsync();
        await server.StartAgainAsync();   // no append-only file: empty

        var after = QueueItems.Event("person-2", 1, "Empty Restart Test");
        Assert.True(queue.Enqueue(after).Accepted);
        Assert.True(await queue.WhenDurableAsync(after, _timeout));
        var taken = await TakeAsync(queue);
        Assert.Equal("person-2/1", taken.MessageId);
        await queue.CompleteAsync(taken, _timeout);
        await queue.WhenFinishedAsync(taken.Sequence, _timeout);
        Assert.Null(queue.Outage);
    }

    private async Task<QueuedItem> TakeAsync(RedisEventQueue queue)
    {
        QueuedItem? taken = null;
        while (taken is null && await queue.WaitToReadAsync(_timeout)) queue.TryDequeue(out taken);
        return taken!;
    }
}
