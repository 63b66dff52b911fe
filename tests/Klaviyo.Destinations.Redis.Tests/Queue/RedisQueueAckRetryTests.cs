using System.Text;
using Klaviyo.Destinations.Redis.Tests.Support;
using StackExchange.Redis;

namespace Klaviyo.Destinations.Redis.Tests.Queue;

/// <summary>
/// Entries of finished items never stay behind in a stream: an item delivered while Redis is down is acknowledged once
/// Redis is back, and a second copy of an item is removed too.
/// </summary>
public sealed class RedisQueueAckRetryTests
{
    private readonly CancellationToken _timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    [RedisFact]
    public async Task An_item_finished_while_Redis_is_down_is_removed_from_its_stream_once_Redis_is_back()
    {
        await using var server = await RedisServer.StartAsync(appendOnly: true, fsync: "always");
        var config = ConfigurationOptions.Parse(server.Configuration);
        config.BacklogPolicy = BacklogPolicy.FailFast;
        await using var connection = await ConnectionMultiplexer.ConnectAsync(config);
        // A lease far longer than the outage: the replica keeps its partition, so no takeover claims the entry for it.
        await using var queue = await RedisEventQueue.OpenAsync(connection, new RedisEventQueueOptions
        {
            KeyPrefix = "ack-retry", Partitions = 1, LeaseDuration = TimeSpan.FromMinutes(1),
            PollInterval = TimeSpan.FromMilliseconds(100), RetryInterval = TimeSpan.FromMilliseconds(100),
        });
        var items = Enumerable.Range(1, 3).Select(n => new QueuedItem
        {
            Kind = ItemKind.Event,
            MessageId = $"m-{n}",
            UserId = "person-1",
            UserKey = "person-1",
            Profile = Encoding.UTF8.GetBytes("""{"external_id":"person-1"}"""),
            Properties = Encoding.UTF8.GetBytes($$"""{"n":{{n}}}"""),
            Metric = "Ack Retry Test",
            UniqueId = $"u-{n}",
        }).ToList();
        foreach (var item in items) Assert.True(queue.Enqueue(item).Accepted);
        foreach (var item in items) Assert.True(await queue.WhenDurableAsync(item, _timeout));
        var taken = new List<QueuedItem>();
        while (taken.Count < 3 && await queue.WaitToReadAsync(_timeout))
            while (queue.TryDequeue(out var item)) taken.Add(item);

        await server.KillAsync();
        foreach (var item in taken) await queue.CompleteAsync(item, _timeout);  // delivered; the acknowledgement fails
        await queue.WhenFinishedAsync(queue.Backlog.LastSequence, _timeout);
        await server.StartAgainAsync();

        var db = connection.GetDatabase();
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        while (!await AcknowledgedAsync(db))
        {
            _timeout.ThrowIfCancellationRequested();
            await timer.WaitForNextTickAsync(_timeout);
        }
        Assert.Equal([0], queue.OwnedPartitions);
    }

    [RedisFact]
    public async Task An_item_stored_twice_after_a_failed_write_leaves_no_entry_behind_once_delivered()
    {
        // The writer never adds an item twice (its writes are idempotent, see RedisQueueOrderTests), but a copy can still
        // appear (a write re-sent after its replica's mark expired): the reader delivers one and removes both. Made here by
        // copying an entry.
        await using var server = await RedisServer.StartAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(server.Configuration);
        await using var queue = await RedisEventQueue.OpenAsync(connection, new RedisEventQueueOptions
        {
            KeyPrefix = "twice", Partitions = 1, PollInterval = TimeSpan.FromMilliseconds(100),
        });
        var db = connection.GetDatabase();
        var item = new QueuedItem
        {
            Kind = ItemKind.Event, MessageId = "m-1", UserId = "person-1", UserKey = "person-1",
            Profile = Encoding.UTF8.GetBytes("""{"external_id":"person-1"}"""), Properties = Encoding.UTF8.GetBytes("{}"),
            Metric = "Stored Twice Test", UniqueId = "u-1",
        };
        Assert.True(queue.Enqueue(item).Accepted);
        Assert.True(await queue.WhenDurableAsync(item, _timeout));
        var original = Assert.Single(await db.StreamRangeAsync("{twice:p:0}"));
        var copy = (string)(await db.StreamAddAsync("{twice:p:0}", original.Values))!;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        // Until the replica has read the copy (the group's last delivered entry is the copy).
        while ((await db.StreamGroupInfoAsync("{twice:p:0}")).Single().LastDeliveredId != copy) await timer.WaitForNextTickAsync(_timeout);

        Assert.True(await queue.WaitToReadAsync(_timeout));
        Assert.True(queue.TryDequeue(out var taken));
        Assert.Equal("m-1", taken.MessageId);
        await queue.CompleteAsync(taken, _timeout);
        await queue.WhenFinishedAsync(taken.Sequence, _timeout);

        while (!await AcknowledgedAsync(db, "{twice:p:0}")) await timer.WaitForNextTickAsync(_timeout);
        Assert.False(queue.TryDequeue(out _));
    }

    /// <summary>Nothing left in the stream and nothing pending in its group (false while the test's own connection is not back yet).</summary>
    private static async Task<bool> AcknowledgedAsync(IDatabase db, string stream = "{ack-retry:p:0}")
    {
        try
        {
            return await db.StreamLengthAsync(stream) == 0 && (await db.StreamPendingAsync(stream, "klaviyo")).PendingMessageCount == 0;
        }
        catch (RedisConnectionException)
        {
            return false;
        }
    }
}
