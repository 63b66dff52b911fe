using Klaviyo.Destinations.Redis.Tests.Support;
using Klaviyo.Emulator;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace Klaviyo.Destinations.Redis.Tests;

/// <summary><c>AddKlaviyoRedis</c> in a generic host: configured from <c>Klaviyo:Redis</c>, or failing at start with the fix.</summary>
public sealed class KlaviyoRedisRegistrationTests
{
    private static IHost Build(IDictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        var klaviyo = builder.Configuration.GetSection("Klaviyo");
        builder.Services.AddKlaviyoDestinations(klaviyo);
        builder.Services.AddKlaviyoRedis(klaviyo);
        builder.Services.AddHealthChecks().AddKlaviyoRedis();
        return builder.Build();
    }

    [Fact]
    public async Task Without_a_Redis_configuration_the_host_fails_at_start_saying_how_to_fix_it()
    {
        using var host = Build(new Dictionary<string, string?>
        {
            ["Klaviyo:ApiKey"] = "pk_registration_test",
            ["Klaviyo:QueueStorage"] = "Memory",
            ["Klaviyo:CheckKeyAtStartup"] = "false",
        });
        var error = await Record.ExceptionAsync(() => host.StartAsync());
        Assert.NotNull(error);
        Assert.Contains("Klaviyo:Redis:Configuration", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("IConnectionMultiplexer", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("pk_registration_test", error.ToString(), StringComparison.Ordinal);
    }

    [RedisFact]
    public async Task Klaviyo_Redis_Configuration_makes_the_destination_pace_itself_by_the_shared_budget()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var klaviyo = await KlaviyoEmulator.StartAsync(new KlaviyoEmulatorOptions { RateLimitsEnabled = true });
        using var host = Build(new Dictionary<string, string?>
        {
            ["Klaviyo:ApiKey"] = "pk_registration_secret_key",
            ["Klaviyo:BaseUrl"] = klaviyo.BaseAddress.ToString(),
            ["Klaviyo:QueueStorage"] = "Memory",
            ["Klaviyo:CheckKeyAtStartup"] = "false",
            ["Klaviyo:DeliveryMode"] = "LowLatency",
            ["Klaviyo:Redis:Configuration"] = redis.Configuration,
        });
        await host.StartAsync();
        var analytics = host.Services.GetRequiredService<Analytics>();
        Assert.True(await analytics.IdentifyAsync("person-1", new Dictionary<string, object?> { ["email"] = "person-1@example.com" }));
        await analytics.FlushAsync();
        Assert.Single(klaviyo.State.Profiles);

        // The request took its token from Redis, under the account's hash (never the key).
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var keys = connection.GetServer(connection.GetEndPoints()[0]).Keys(pattern: "klaviyo:rate:*").Select(k => k.ToString()).ToList();
        Assert.Contains(keys, k => k.Contains(AccountKey.Of("pk_registration_secret_key") + ":api-profile-import", StringComparison.Ordinal));
        Assert.All(keys, k => Assert.DoesNotContain("secret", k, StringComparison.Ordinal));

        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        Assert.Equal(HealthStatus.Healthy, report.Entries["klaviyo-redis"].Status);
        await host.StopAsync();
    }
    [Fact]
    public async Task QueueStorage_Redis_without_the_Redis_package_registered_fails_at_start_saying_how_to_fix_it()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Klaviyo:ApiKey"] = "pk_registration_test",
            ["Klaviyo:QueueStorage"] = "Redis",
            ["Klaviyo:CheckKeyAtStartup"] = "false",
        });
        builder.Services.AddKlaviyoDestinations(builder.Configuration.GetSection("Klaviyo"));
        using var host = builder.Build();
        var error = await Record.ExceptionAsync(() => host.StartAsync());
        Assert.NotNull(error);
        Assert.Contains("AddKlaviyoRedis", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("Klaviyo.Destinations.Redis", error.ToString(), StringComparison.Ordinal);
    }

    [RedisFact]
    public async Task QueueStorage_Redis_keeps_the_items_in_the_shared_queue_and_delivers_them()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var klaviyo = await KlaviyoEmulator.StartAsync();
        using var host = Build(new Dictionary<string, string?>
        {
            ["Klaviyo:ApiKey"] = "pk_registration_secret_key",
            ["Klaviyo:BaseUrl"] = klaviyo.BaseAddress.ToString(),
            ["Klaviyo:QueueStorage"] = "Redis",
            ["Klaviyo:CheckKeyAtStartup"] = "false",
            ["Klaviyo:Redis:Configuration"] = redis.Configuration,
            ["Klaviyo:Redis:Queue:Partitions"] = "4",
        });
        await host.StartAsync();
        var queue = Assert.IsType<RedisEventQueue>(host.Services.GetRequiredService<IEventQueue>());
        Assert.Equal(4, queue.OwnedPartitions.Count);
        var analytics = host.Services.GetRequiredService<Analytics>();
        for (var i = 0; i < 20; i++)
            Assert.True(await analytics.TrackAsync($"person-{i}", "Order Placed", new Dictionary<string, object?> { ["n"] = i }));
        await analytics.FlushAsync();
        Assert.Equal(20, klaviyo.State.Events.Count);

        // The queue's streams are under the account's hash (never the key), and delivered items are gone from them.
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        var db = connection.GetDatabase();
        var prefix = "klaviyo:queue:" + AccountKey.Of("pk_registration_secret_key");
        long left = 0;
        for (var p = 0; p < 4; p++) left += await db.StreamLengthAsync($"{{{prefix}:p:{p}}}");
        Assert.Equal(0, left);
        var keys = connection.GetServer(connection.GetEndPoints()[0]).Keys(pattern: "{klaviyo:queue:*").Select(k => k.ToString()).ToList();
        Assert.Contains(keys, k => k.StartsWith("{" + prefix + ":p:", StringComparison.Ordinal));
        Assert.All(keys, k => Assert.DoesNotContain("secret", k, StringComparison.Ordinal));
        await host.StopAsync();
    }
}
