using System.Text;
using Klaviyo.Destinations.Redis.Tests.Support;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Klaviyo.Destinations.Redis.Tests.Queue;

/// <summary>The shared queue across a Redis crash (SIGKILL) and restart with the append-only file on.</summary>
public sealed class RedisQueueRestartTests
{
    private readonly CancellationToken _timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90)).Token;

    private static QueuedItem Item(int n) => new()
    {
        Kind = ItemKind.Event,
        MessageId = $"m-{n}",
        UserId = $"person-{n % 3}",
        UserKey = $"person-{n % 3}",
        Profile = Encoding.UTF8.GetBytes($$"""{"external_id":"person-{{n % 3}}"}"""),
        Properties = Encoding.UTF8.GetBytes($$"""{"n":{{n}}}"""),
        Metric = "Restart Test",
        UniqueId = $"u-{n}",
    };

    private async Task<List<QueuedItem>> TakeAsync(IEventQueue queue, int count)
    {
        var taken = new List<QueuedItem>();
        while (taken.Count < count && await queue.WaitToReadAsync(_timeout))
            while (taken.Count < count && queue.TryDequeue(out var item)) taken.Add(item);
        return taken;
    }

    [RedisFact]
    public async Task Items_survive_a_Redis_crash_with_AOF_always_and_items_accepted_while_it_is_down_are_stored_after()
    {
        await using var server = await RedisServer.StartAsync(appendOnly: true, fsync: "always");
        var config = ConfigurationOptions.Parse(server.Configuration);
        config.BacklogPolicy = BacklogPolicy.FailFast;
        await using var connection = await ConnectionMultiplexer.ConnectAsync(config);
        await using var queue = await RedisEventQueue.OpenAsync(connection, new RedisEventQueueOptions { KeyPrefix = "restart", Partitions = 4, RetryInterval = TimeSpan.FromMilliseconds(200) });

        var before = Enumerable.Range(0, 20).Select(Item).ToList();
        foreach (var item in before) Assert.True(queue.Enqueue(item).Accepted);
        foreach (var item in before) Assert.True(await queue.WhenDurableAsync(item, _timeout));
        var first = await TakeAsync(queue, 5);
        foreach (var item in first.Take(2)) await queue.CompleteAsync(item, _timeout);

        await server.KillAsync();
        // Redis is down: items are still accepted (buffered), not yet stored.
        var during = Enumerable.Range(20, 10).Select(Item).ToList();
        foreach (var item in during) Assert.True(queue.Enqueue(item).Accepted);
        var storedDuring = queue.WhenDurableAsync(during[^1], _timeout).AsTask();
        await server.StartAgainAsync();
        Assert.True(await storedDuring);

        // The three items in flight at the crash are finished after it; everything else is delivered, nothing lost.
        foreach (var item in first.Skip(2)) await queue.CompleteAsync(item, _timeout);
        var rest = await TakeAsync(queue, 25);
        Assert.Equal(Enumerable.Range(5, 25).Select(n => $"m-{n}").Order(), rest.Select(i => i.MessageId).Order());
        foreach (var item in rest) await queue.CompleteAsync(item, _timeout);
        await queue.WhenFinishedAsync(queue.Backlog.LastSequence, _timeout);
        Assert.Equal(0, queue.Backlog.Unfinished);
        var db = connection.GetDatabase();
        long left = 0;
        for (var p = 0; p < 4; p++) left += await db.StreamLengthAsync($"{{restart:p:{p}}}");
        Assert.Equal(0, left);
    }
    [RedisFact]
    public async Task While_Redis_is_down_a_replica_accepts_up_to_its_buffer_then_refuses_with_the_reason_and_stores_the_buffer_when_Redis_is_back()
    {
        await using var server = await RedisServer.StartAsync(appendOnly: true, fsync: "always");
        var config = ConfigurationOptions.Parse(server.Configuration);
        config.BacklogPolicy = BacklogPolicy.FailFast;
        await using var connection = await ConnectionMultiplexer.ConnectAsync(config);
        var log = new EventSignals();
        await using var queue = await RedisEventQueue.OpenAsync(connection, new RedisEventQueueOptions { KeyPrefix = "down", Partitions = 2, MaxBuffered = 5, RetryInterval = TimeSpan.FromMilliseconds(200) }, logger: log);
        var health = new KlaviyoRedisHealthCheck(new NoBudgets(), queue);
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(new HealthCheckContext())).Status);

        await server.KillAsync();
        var accepted = Enumerable.Range(0, 5).Select(Item).ToList();
        foreach (var item in accepted) Assert.True(queue.Enqueue(item).Accepted);
        var refused = queue.Enqueue(Item(5));
        Assert.Equal(EnqueueRefusal.Full, refused.Refusal);
        Assert.Contains("write buffer is full (5 items not yet stored)", refused.Reason, StringComparison.Ordinal);
        Assert.Equal(0, refused.Sequence);

        // The outage is reported (warning 2101) and the health check says Degraded with the reason.
        await log.Seen(2101).WaitAsync(_timeout);
        // Once the outage is known, a refusal names it in a few words (the client's whole message is in the queue's Outage).
        var refusedInOutage = queue.Enqueue(Item(99));
        Assert.Matches(@"Redis cannot be reached \((connection refused|connection closed|connection lost|cannot connect|no connection|no answer within \d+ ms)[^)]*\)", refusedInOutage.Reason);
        Assert.True(refusedInOutage.Reason!.Length < 300, refusedInOutage.Reason);
        var degraded = await health.CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Degraded, degraded.Status);
        Assert.StartsWith("Redis unreachable for ", degraded.Description, StringComparison.Ordinal);

        await server.StartAgainAsync();
        foreach (var item in accepted) Assert.True(await queue.WhenDurableAsync(item, _timeout));
        await log.Seen(2104).WaitAsync(_timeout);
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(new HealthCheckContext())).Status);
        Assert.True(queue.Enqueue(Item(6)).Accepted);
        var taken = await TakeAsync(queue, 6);
        Assert.Equal(["m-0", "m-1", "m-2", "m-3", "m-4", "m-6"], taken.Select(i => i.MessageId).Order());
    }
    private sealed class NoBudgets : IKlaviyoRedisBudgetSource
    {
        public IReadOnlyList<RedisRateBudget> Made => [];
    }
}
