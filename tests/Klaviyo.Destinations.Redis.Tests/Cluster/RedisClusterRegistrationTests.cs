using Klaviyo.Destinations.Redis.Tests.Support;
using Klaviyo.Emulator;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace Klaviyo.Destinations.Redis.Tests.Cluster;

/// <summary><c>Klaviyo:Redis:Configuration</c> listing the nodes of a real three-node Redis Cluster: the shared budget and the shared queue through DI, end to end against the emulator.</summary>
public sealed class RedisClusterRegistrationTests(RedisClusterFixture redis) : IClassFixture<RedisClusterFixture>
{
    [RedisFact]
    public async Task A_host_configured_with_the_cluster_s_nodes_queues_on_every_node_paces_by_the_shared_budget_and_delivers_everything()
    {
        const string apiKey = "pk_cluster_registration_secret";
        const int partitions = 8;
        await using var klaviyo = await KlaviyoEmulator.StartAsync(new KlaviyoEmulatorOptions { RateLimitsEnabled = true });
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Klaviyo:ApiKey"] = apiKey,
            ["Klaviyo:BaseUrl"] = klaviyo.BaseAddress.ToString(),
            ["Klaviyo:QueueStorage"] = "Redis",
            ["Klaviyo:CheckKeyAtStartup"] = "false",
            ["Klaviyo:Redis:Configuration"] = redis.Cluster.Configuration,
            ["Klaviyo:Redis:Queue:Partitions"] = partitions.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        var section = builder.Configuration.GetSection("Klaviyo");
        builder.Services.AddKlaviyoDestinations(section);
        builder.Services.AddKlaviyoRedis(section);
        builder.Services.AddHealthChecks().AddKlaviyoRedis();
        using var host = builder.Build();
        await host.StartAsync();
        var queue = Assert.IsType<RedisEventQueue>(host.Services.GetRequiredService<IEventQueue>());
        Assert.Equal(partitions, queue.OwnedPartitions.Count);

        var analytics = host.Services.GetRequiredService<Analytics>();
        for (var i = 0; i < 40; i++)
        {
            Assert.True(await analytics.IdentifyAsync($"person-{i}", new Dictionary<string, object?> { ["email"] = $"person-{i}@example.com" }));
            Assert.True(await analytics.TrackAsync($"person-{i}", "Order Placed", new Dictionary<string, object?> { ["n"] = i }));
        }
        await analytics.FlushAsync();
        Assert.Equal(40, klaviyo.State.Profiles.Count);
        Assert.Equal(40, klaviyo.State.Events.Count);

        // The queue's partitions are stored on every node, and every delivered item is gone from them.
        var prefix = "klaviyo:queue:" + AccountKey.Of(apiKey);
        var keys = new RedisQueueKeys(prefix, partitions);
        var db = redis.Redis.GetDatabase();
        var nodes = new HashSet<int>();
        for (var p = 0; p < partitions; p++)
        {
            Assert.Equal(0, await db.StreamLengthAsync(keys.Stream(p)));
            nodes.Add(redis.Cluster.NodeOf(redis.Redis, keys.Stream(p)));
        }
        Assert.Equal(redis.Cluster.Nodes.Count, nodes.Count);
        // The requests took their tokens from budgets stored under the account's hash (never the key), on the nodes holding them.
        var rateKeys = Enumerable.Range(0, redis.Cluster.Nodes.Count).SelectMany(n => redis.Cluster.KeysOn(redis.Redis, n, "klaviyo:rate:*")).ToList();
        Assert.Contains(rateKeys, k => k.Contains(AccountKey.Of(apiKey), StringComparison.Ordinal));
        Assert.All(rateKeys.Concat(Enumerable.Range(0, redis.Cluster.Nodes.Count).SelectMany(n => redis.Cluster.KeysOn(redis.Redis, n, "*"))),
            k => Assert.DoesNotContain("secret", k, StringComparison.Ordinal));

        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        Assert.Equal(HealthStatus.Healthy, report.Entries["klaviyo-redis"].Status);
        await host.StopAsync();
    }
}
