using System.Text;
using Klaviyo.Destinations.Redis.Tests.Support;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Klaviyo.Destinations.Redis.Tests.Queue;

/// <summary>
/// The queue on Redis Cluster: every key of a partition lives in one hash slot (so its transactions and scripts are
/// allowed on a cluster), and the whole queue runs on a real one-node cluster, which refuses any command whose keys span
/// slots (CROSSSLOT).
/// </summary>
public sealed class RedisQueueClusterTests
{
    private readonly CancellationToken _timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token;

    /// <summary>Redis Cluster's key slot: CRC16 (XMODEM) of the hash tag (the part between the first '{' and the next '}', when not empty) or of the key, mod 16384.</summary>
    private static int Slot(string key)
    {
        var start = key.IndexOf('{', StringComparison.Ordinal);
        if (start >= 0)
        {
            var end = key.IndexOf('}', start + 1);
            if (end > start + 1) key = key[(start + 1)..end];
        }
        ushort crc = 0;
        foreach (var b in Encoding.UTF8.GetBytes(key))
        {
            crc ^= (ushort)(b << 8);
            for (var i = 0; i < 8; i++) crc = (ushort)((crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1);
        }
        return crc % 16384;
    }

    [Fact]
    public void The_slot_function_agrees_with_Redis()
    {
        // Values Redis's CLUSTER KEYSLOT answers (and the CRC16 check value of "123456789", 0x31C3).
        Assert.Equal(0x31C3, Slot("123456789"));
        Assert.Equal(12182, Slot("foo"));
        Assert.Equal(Slot("user1000"), Slot("{user1000}.following"));
        Assert.Equal(Slot("{}x"), Slot("{}x"));
        Assert.NotEqual(Slot("a{}b"), Slot("b{}a"));
    }

    [Fact]
    public void Every_key_of_a_partition_is_in_one_slot_the_queue_wide_keys_share_one_and_partitions_spread_over_slots()
    {
        foreach (var prefix in new[] { "klaviyo:queue", "klaviyo:queue:" + AccountKey.Of("pk_cluster") })
        {
            var keys = new RedisQueueKeys(prefix, 16);
            var slots = new HashSet<int>();
            for (var i = 0; i < 16; i++)
            {
                // A completion (XACK + XDEL + HDEL in one MULTI), a takeover (XAUTOCLAIM, HMGET) and the lease scripts touch these.
                var slot = Slot(keys.Stream(i)!);
                Assert.Equal(slot, Slot(keys.Retry(i)!));
                Assert.Equal(slot, Slot(keys.Lease(i)!));
                slots.Add(slot);
            }
            Assert.True(slots.Count >= 14, $"16 partitions in {slots.Count} slots");
            Assert.Equal(Slot(keys.Dead!), Slot(keys.Members!));
            Assert.Equal(Slot(keys.Dead!), Slot(keys.Replicas!));
        }
    }

    [Fact]
    public void A_key_prefix_with_braces_is_refused_with_the_fix()
    {
        var ex = Assert.Throws<KlaviyoConfigurationException>(() => new RedisEventQueueOptions { KeyPrefix = "{app}:queue" }.Validate());
        Assert.Contains("use a prefix without braces", ex.Message, StringComparison.Ordinal);
    }

    [RedisFact]
    public async Task Two_replicas_run_the_whole_queue_on_a_Redis_Cluster_without_a_cross_slot_command()
    {
        await using var server = await RedisServer.StartAsync(cluster: true);
        var clusterOk = server.LoggedAsync("Cluster state changed: ok");
        await using (var admin = await ConnectionMultiplexer.ConnectAsync(server.Configuration + ",allowAdmin=true"))
        {
            await admin.GetServer(admin.GetEndPoints()[0]).ExecuteAsync("CLUSTER", "ADDSLOTSRANGE", "0", "16383");
        }
        await clusterOk.WaitAsync(_timeout);

        var log = new WarningLog();
        var options = new RedisEventQueueOptions { KeyPrefix = "cluster", Partitions = 6, LeaseDuration = TimeSpan.FromSeconds(3), PollInterval = TimeSpan.FromMilliseconds(50) };
        await using var first = await Connect(server);
        await using var second = await Connect(server);
        Assert.Equal(ServerType.Cluster, first.GetServer(first.GetEndPoints()[0]).ServerType);
        await using var a = await RedisEventQueue.OpenAsync(first, options, logger: log);
        await using var b = await RedisEventQueue.OpenAsync(second, options, logger: log);
        // Rebalancing (heartbeats, hand-over, takeover with XAUTOCLAIM) ...
        while (!(a.OwnedPartitions.Count == 3 && b.OwnedPartitions.Count == 3 && !a.OwnedPartitions.Intersect(b.OwnedPartitions).Any()))
            await Task.WhenAny(a.NextTickAsync(), b.NextTickAsync()).WaitAsync(_timeout);

        // ... writes, reads, a retry, completions, a dead letter and its replay.
        var items = Enumerable.Range(0, 24).Select(n => Item($"person-{n % 6}", n)).ToList();
        foreach (var item in items) Assert.True((Number(item) % 2 == 0 ? a : b).Enqueue(item).Accepted);
        foreach (var item in items) Assert.True(await (Number(item) % 2 == 0 ? a : b).WhenDurableAsync(item, _timeout));
        var taken = new List<QueuedItem>();
        await Task.WhenAll(TakeAll(a, taken), TakeAll(b, taken));
        Assert.Equal(items.Select(i => i.MessageId).Order(), taken.Select(i => i.MessageId).Order());
        var retried = taken[0];
        retried.Attempts = 2;
        await (a.OwnedPartitions.Contains(RedisEventQueue.PartitionOf(retried.UserKey, 6)) ? a : b).RecordRetryAsync(retried, _timeout);
        var dead = taken[1];
        var deadOwner = a.OwnedPartitions.Contains(RedisEventQueue.PartitionOf(dead.UserKey, 6)) ? a : b;
        await deadOwner.DeadLetterAsync(dead, "gave up", _timeout);
        foreach (var item in taken.Skip(2)) await (a.OwnedPartitions.Contains(RedisEventQueue.PartitionOf(item.UserKey, 6)) ? a : b).CompleteAsync(item, _timeout);
        Assert.Equal(1, deadOwner.DeadLetterCount);
        Assert.Equal(1, await a.ReplayDeadLettersAsync(null, _timeout));
        Assert.Empty(await a.ListDeadLettersAsync(10, _timeout));
        Assert.True(log.Warnings.Count == 0, string.Join("\n", log.Warnings));

        async Task TakeAll(RedisEventQueue queue, List<QueuedItem> into)
        {
            var mine = items.Count(i => queue.OwnedPartitions.Contains(RedisEventQueue.PartitionOf(i.UserKey, 6)));
            var got = 0;
            while (got < mine && await queue.WaitToReadAsync(_timeout))
            {
                while (got < mine && queue.TryDequeue(out var item))
                {
                    lock (into) into.Add(item);
                    got++;
                }
            }
        }
    }

    private static int Number(QueuedItem item) => int.Parse(item.MessageId.Split('/')[1], System.Globalization.CultureInfo.InvariantCulture);

    private static async Task<ConnectionMultiplexer> Connect(RedisServer server)
    {
        var options = ConfigurationOptions.Parse(server.Configuration);
        options.BacklogPolicy = BacklogPolicy.FailFast;
        return await ConnectionMultiplexer.ConnectAsync(options);
    }

    private static QueuedItem Item(string user, int n) => QueueItems.Event(user, n, "Cluster Test");

    /// <summary>Collects warnings (a CROSSSLOT refusal surfaces as an outage or a failed ack).</summary>
    private sealed class WarningLog : ILogger
    {
        private readonly List<string> _warnings = [];

        public IReadOnlyList<string> Warnings
        {
            get { lock (_warnings) return [.. _warnings]; }
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Warning) lock (_warnings) _warnings.Add($"{eventId.Id}: {formatter(state, exception)}");
        }
    }
}
