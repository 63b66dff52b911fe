using Klaviyo.Destinations.Redis.Tests.Support;
using StackExchange.Redis;

namespace Klaviyo.Destinations.Redis.Tests.Queue;

/// <summary>
/// A replica's append marks (<c>{P:p:i}:mark:r</c>, see <see cref="StreamAppend"/>) are deleted when it leaves cleanly,
/// except where a write of it failed and Redis may still run it late.
/// </summary>
public sealed class RedisQueueMarkTests
{
    private const int Partitions = 4;
    private readonly CancellationToken _timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90)).Token;

    [RedisFact]
    public async Task A_replica_that_leaves_cleanly_deletes_its_append_marks()
    {
        await using var server = await RedisServer.StartAsync();
        await using var connection = await ConnectAsync(server, admin: true);
        const string prefix = "marks-leave";
        var queue = await OpenAsync(connection, prefix);
        var items = Enumerable.Range(0, 12).Select(p => QueueItems.Event($"person-{p}", 0, "Mark Test")).ToList();
        foreach (var item in items) Assert.True(queue.Enqueue(item).Accepted);
        foreach (var item in items) Assert.True(await queue.WhenDurableAsync(item, _timeout));
        var written = items.Select(i => RedisEventQueue.PartitionOf(i.UserKey, Partitions)).Distinct().Count();
        Assert.True(written > 1);
        Assert.Equal(written, Marks(server, connection, prefix).Count);

        await queue.DisposeAsync();
        Assert.Empty(Marks(server, connection, prefix));
        // The items stay for the next replica.
        Assert.Equal(items.Count, await SumAsync(connection.GetDatabase(), prefix, (db, key) => db.StreamLengthAsync(key)));
    }

    [RedisFact]
    public async Task A_mark_stays_where_a_write_of_the_leaving_replica_failed_and_no_item_is_added_twice()
    {
        await using var server = await RedisServer.StartAsync();
        await using var connection = await ConnectAsync(server, admin: true);
        const string prefix = "marks-late";
        var queue = await OpenAsync(connection, prefix);
        var people = Enumerable.Range(0, 40).Select(p => $"person-{p}").ToList();
        var late = people.First(p => RedisEventQueue.PartitionOf(p, Partitions) == 0);
        var calm = people.First(p => RedisEventQueue.PartitionOf(p, Partitions) == 1);
        var first = new[] { QueueItems.Event(late, 0, "Mark Test"), QueueItems.Event(calm, 0, "Mark Test") };
        foreach (var item in first) Assert.True(queue.Enqueue(item).Accepted);
        foreach (var item in first) Assert.True(await queue.WhenDurableAsync(item, _timeout));

        // Redis holds writes for longer than the client waits for an answer: the write of partition 0 times out at the
        // client, Redis runs it when the pause ends, and the queue sends it again.
        var timeoutMs = ConfigurationOptions.Parse(server.Configuration).AsyncTimeout;
        await connection.GetDatabase().ExecuteAsync("CLIENT", "PAUSE", timeoutMs * 3, "WRITE");
        var paused = QueueItems.Event(late, 1, "Mark Test");
        Assert.True(queue.Enqueue(paused).Accepted);
        Assert.True(await queue.WhenDurableAsync(paused, _timeout));
        Assert.True(await connection.GetDatabase().KeyExistsAsync(Mark(prefix, 0, queue.ReplicaNumber)));

        var replica = queue.ReplicaNumber;
        await queue.DisposeAsync();
        var left = Marks(server, connection, prefix);
        Assert.Equal(new[] { Mark(prefix, 0, replica).ToString() }, left);
        Assert.Equal(2, await connection.GetDatabase().StreamLengthAsync($"{{{prefix}:p:0}}"));
    }

    private static RedisKey Mark(string prefix, int partition, long replica) => $"{{{prefix}:p:{partition}}}:mark:{replica}";

    private static List<string> Marks(RedisServer server, IConnectionMultiplexer connection, string prefix) =>
        [.. connection.GetServer("127.0.0.1", server.Port).Keys(pattern: $"{{{prefix}:p:*}}:mark:*").Select(k => k.ToString()).Order()];

    private static async Task<long> SumAsync(IDatabase db, string prefix, Func<IDatabase, RedisKey, Task<long>> of)
    {
        long sum = 0;
        for (var p = 0; p < Partitions; p++) sum += await of(db, $"{{{prefix}:p:{p}}}");
        return sum;
    }

    private static async Task<IConnectionMultiplexer> ConnectAsync(RedisServer server, bool admin)
    {
        var config = ConfigurationOptions.Parse(server.Configuration);
        config.BacklogPolicy = BacklogPolicy.FailFast;
        config.AllowAdmin = admin;
        return await ConnectionMultiplexer.ConnectAsync(config);
    }

    private static Task<RedisEventQueue> OpenAsync(IConnectionMultiplexer connection, string prefix) =>
        RedisEventQueue.OpenAsync(connection, new RedisEventQueueOptions
        {
            KeyPrefix = prefix, Partitions = Partitions, LeaseDuration = TimeSpan.FromMinutes(1),
            PollInterval = TimeSpan.FromMilliseconds(100), RetryInterval = TimeSpan.FromMilliseconds(100),
        });
}
