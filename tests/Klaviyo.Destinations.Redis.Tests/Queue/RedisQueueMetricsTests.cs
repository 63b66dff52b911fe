using System.Text;
using Klaviyo.Destinations.Redis.Tests.Support;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Klaviyo.Destinations.Redis.Tests.Queue;

/// <summary>The queue's instruments in the Redis package's meter, read as a metrics exporter would (a MeterListener).</summary>
public sealed class RedisQueueMetricsTests
{
    private const string Meter = RedisRateBudget.MeterName;
    private readonly CancellationToken _timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    private static QueuedItem Item(int n) => new()
    {
        Kind = ItemKind.Event,
        MessageId = $"m-{n}",
        UserId = $"person-{n}",
        UserKey = $"person-{n}",
        Profile = Encoding.UTF8.GetBytes("""{"external_id":"x"}"""),
        Properties = Encoding.UTF8.GetBytes("{}"),
        Metric = "Metrics Test",
        UniqueId = $"u-{n}",
    };

    [RedisFact]
    public async Task The_queue_reports_its_partitions_its_Redis_outage_and_the_items_waiting_to_be_stored()
    {
        await using var server = await RedisServer.StartAsync();
        var config = ConfigurationOptions.Parse(server.Configuration);
        config.BacklogPolicy = BacklogPolicy.FailFast;
        await using var connection = await ConnectionMultiplexer.ConnectAsync(config);
        using var meters = new TestMeterFactory();
        var log = new EventSignals();
        await using var queue = await RedisEventQueue.OpenAsync(connection,
            new RedisEventQueueOptions { KeyPrefix = "metrics", Partitions = 4, LeaseDuration = TimeSpan.FromSeconds(3), RetryInterval = TimeSpan.FromMilliseconds(200) }, logger: log, meterFactory: meters);

        Assert.Equal(4, meters.Gauge(Meter, "klaviyo.redis.queue.partitions"));
        Assert.Equal(4, meters.Gauge(Meter, "klaviyo.redis.queue.fair_share"));
        Assert.Equal(1, meters.Gauge(Meter, "klaviyo.redis.queue.replicas"));
        Assert.Equal(0, meters.Gauge(Meter, "klaviyo.redis.queue.outage"));
        Assert.Equal(0, meters.Gauge(Meter, "klaviyo.redis.queue.buffered"));

        await server.KillAsync();
        var accepted = Enumerable.Range(0, 3).Select(Item).ToList();
        foreach (var item in accepted) Assert.True(queue.Enqueue(item).Accepted);
        await log.Seen(2101).WaitAsync(_timeout);
        Assert.Equal(1, meters.Gauge(Meter, "klaviyo.redis.queue.outage"));
        Assert.Equal(3, meters.Gauge(Meter, "klaviyo.redis.queue.buffered"));

        await server.StartAgainAsync();
        foreach (var item in accepted) Assert.True(await queue.WhenDurableAsync(item, _timeout));
        await log.Seen(2104).WaitAsync(_timeout);
        // A command sent while Redis was down can still fail just after it is back (reported once more): wait for a
        // lease period that ends with Redis reachable.
        while (queue.Outage is not null) await queue.NextTickAsync().WaitAsync(_timeout);
        Assert.Equal(0, meters.Gauge(Meter, "klaviyo.redis.queue.outage"));
        Assert.Equal(0, meters.Gauge(Meter, "klaviyo.redis.queue.buffered"));
    }
}
