using Klaviyo.Destinations.Redis.Tests.Support;
using StackExchange.Redis;

namespace Klaviyo.Destinations.Redis.Tests.Queue;

/// <summary>
/// A dead letter kept in memory while its replica cannot reach Redis, and the partition's lease moving to another replica
/// meanwhile: the item ends with exactly one outcome, decided by the partition's holder.
/// </summary>
public sealed class RedisQueueLetterLeaseTests
{
    private readonly CancellationToken _timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120)).Token;

    [RedisFact]
    public async Task A_dead_letter_kept_while_the_lease_moved_to_another_replica_is_dropped_and_the_new_holder_delivers_the_item_once()
    {
        await using var server = await RedisServer.StartAsync();
        await using var relay = new TcpRelay(server.Port);
        await using var cutOff = await ConnectAsync(relay.Port);
        await using var other = await ConnectAsync(server.Port);
        var db = other.GetDatabase();
        const string prefix = "dl-lease";
        await using var first = await OpenAsync(cutOff, prefix);
        var item = QueueItems.Event("person-1", 1, "Dead Letter Lease Test");
        Assert.True(first.Enqueue(item).Accepted);
        Assert.True(await first.WhenDurableAsync(item, _timeout));
        var taken = await QueueReplicas.TakeOneAsync(first, _timeout);
        Assert.Equal("person-1/1", taken.MessageId);
        await using var second = await OpenAsync(other, prefix);

        // The first replica is cut off from Redis (the others still reach it) while it gives the item up: its letter is kept.
        relay.Cut();
        await first.DeadLetterAsync(taken, "Klaviyo answered 400", _timeout);
        Assert.Equal(1, first.PendingLetters);

        // Its lease runs out; the second replica takes the partition, claims the entry and delivers the item.
        await QueueReplicas.UntilAsync(() => second.OwnedPartitions.Count == 1, _timeout, second);
        var again = await QueueReplicas.TakeOneAsync(second, _timeout);
        Assert.Equal("person-1/1", again.MessageId);
        await second.CompleteAsync(again, _timeout);

        // The first replica reaches Redis again: its kept letter is dropped, not written (the item was delivered).
        relay.Restore();
        await QueueReplicas.UntilAsync(() => Task.FromResult(first.PendingLetters == 0), _timeout);
        Assert.Equal(0, await db.ListLengthAsync($"{{{prefix}}}:dead"));
        Assert.Empty(await first.ListDeadLettersAsync(cancellationToken: _timeout));
        Assert.Equal(0, first.DeadLetterCount);
        Assert.Equal(0, await db.StreamLengthAsync($"{{{prefix}:p:0}}"));
        Assert.Equal(0, (await db.StreamPendingAsync($"{{{prefix}:p:0}}", "klaviyo")).PendingMessageCount);
        Assert.Equal(0, await db.HashLengthAsync($"{{{prefix}:p:0}}:letters"));
        Assert.Equal(0, second.Count);
    }

    [RedisFact]
    public async Task A_dead_letter_staged_by_a_replica_that_died_before_moving_it_is_moved_once_by_the_next_holder()
    {
        await using var server = await RedisServer.StartAsync();
        await using var connection = await ConnectAsync(server.Port);
        var db = connection.GetDatabase();
        const string prefix = "dl-staged";
        // What a holder that died between the two steps leaves: its entry removed, its letter staged in the partition.
        const string letter = """{"id":7,"at":638000000000000000,"n":3,"r":"Klaviyo answered 400","k":1,"m":"person-1/1","u":"person-1","e":"Dead Letter Staged Test","q":null}""";
        await db.HashSetAsync($"{{{prefix}:p:0}}:letters", "1-1", letter);

        await using (var next = await OpenAsync(connection, prefix))
        {
            await QueueReplicas.UntilAsync(async () => await db.HashLengthAsync($"{{{prefix}:p:0}}:letters") == 0, _timeout);
            var moved = Assert.Single(await next.ListDeadLettersAsync(cancellationToken: _timeout));
            Assert.Equal(7, moved.Id);
            Assert.Equal("Klaviyo answered 400", moved.Reason);
        }
        // Staged again (a holder that moved it but died before deleting it from the partition): not added a second time.
        await db.HashSetAsync($"{{{prefix}:p:0}}:letters", "1-1", letter);
        await using var later = await OpenAsync(connection, prefix);
        await QueueReplicas.UntilAsync(async () => await db.HashLengthAsync($"{{{prefix}:p:0}}:letters") == 0, _timeout);
        Assert.Equal(1, await db.ListLengthAsync($"{{{prefix}}}:dead"));
    }

    private static async Task<IConnectionMultiplexer> ConnectAsync(int port)
    {
        var config = ConfigurationOptions.Parse($"127.0.0.1:{port},abortConnect=false,connectTimeout=2000,syncTimeout=2000,asyncTimeout=2000");
        config.BacklogPolicy = BacklogPolicy.FailFast;
        config.ReconnectRetryPolicy = new LinearRetry(500);
        return await ConnectionMultiplexer.ConnectAsync(config);
    }

    private static Task<RedisEventQueue> OpenAsync(IConnectionMultiplexer connection, string prefix) =>
        RedisEventQueue.OpenAsync(connection, new RedisEventQueueOptions
        {
            KeyPrefix = prefix, Partitions = 1, LeaseDuration = TimeSpan.FromSeconds(2),
            PollInterval = TimeSpan.FromMilliseconds(100), RetryInterval = TimeSpan.FromMilliseconds(100),
        });
}
