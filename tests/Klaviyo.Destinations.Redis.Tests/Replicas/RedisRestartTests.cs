using System.Diagnostics;
using Klaviyo.Destinations.Redis.Tests.Support;
using Klaviyo.Emulator;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Klaviyo.Destinations.Redis.Tests.Replicas;

/// <summary>
/// Redis (append-only file on, <c>appendfsync everysec</c>) is killed with SIGKILL while the shared queue holds items
/// two replicas acknowledged but had not delivered yet, and started again: nothing acknowledged is lost, and delivery
/// resumes, for those items and for new traffic.
/// </summary>
[Collection(ReplicaProcessesCollection.Name)]
public sealed class RedisRestartTests(ITestOutputHelper output)
{
    private const int Customers = 300;
    private const string ApiKey = "pk_redis_restart_test";

    [RedisFact]
    public async Task Redis_killed_and_restarted_with_AOF_everysec_loses_nothing_acknowledged_and_delivery_resumes()
    {
        await using var redis = await RedisServer.StartAsync(appendOnly: true, fsync: "everysec");
        await using var klaviyo = await KlaviyoEmulator.StartAsync(new KlaviyoEmulatorOptions { Faults = new EmulatorFaults { Latency = TimeSpan.FromMilliseconds(150) } });
        var replicas = await ReplicaScenario.StartAsync(2, ReplicaScenario.Settings(redis, klaviyo, ApiKey));
        try
        {
            await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
            var db = connection.GetDatabase();
            var client = new ShopClient(replicas);
            var customers = Enumerable.Range(1, Customers).Select(Shop.CustomerNo).ToList();
            using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(4));
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = 6, CancellationToken = cancel.Token };
            var clock = Stopwatch.StartNew();

            // The first half is acknowledged (stored in Redis) by both replicas; Redis dies before it is all delivered.
            await Parallel.ForEachAsync(customers.Take(Customers / 2), parallel, async (customer, token) => await client.ShopAsync(customer, token));
            var (storedAtKill, _) = await ReplicaScenario.PeekAsync(db, ApiKey);
            var deliveredAtKill = klaviyo.State.Events.Count;
            await redis.KillAsync();
            var killedAt = clock.Elapsed;
            foreach (var replica in replicas)
                await Poll.UntilAsync(replica.HealthAsync, h => h.Checks["klaviyo-redis"] == "Degraded", TimeSpan.FromSeconds(30), h => $"{replica.Name}: {h.Body}");
            var degradedAt = clock.Elapsed;
            await redis.StartAgainAsync();
            var restartedAt = clock.Elapsed;
            // Each replica's queue reaches Redis again, and its health check says so (the rate budget's part probes Redis
            // itself, so a replica with nothing to send turns Healthy too).
            foreach (var replica in replicas)
            {
                await Poll.UntilAsync(replica.StatusAsync, s => s.Outage is null, TimeSpan.FromSeconds(30), s => $"{replica.Name}: {s.Outage}");
                await Poll.UntilAsync(replica.HealthAsync, h => h.Checks["klaviyo-redis"] == "Healthy", TimeSpan.FromSeconds(30), h => $"{replica.Name}: {h.Body}");
            }
            var healthyAt = clock.Elapsed;
            var deliveredAtRestart = klaviyo.State.Events.Count;

            // The second half after the restart.
            await Parallel.ForEachAsync(customers.Skip(Customers / 2), parallel, async (customer, token) => await client.ShopAsync(customer, token));
            var problems = await Poll.UntilAsync(() => Shop.Problems(klaviyo, customers), p => p.Count == 0, TimeSpan.FromMinutes(3), p => string.Join("; ", p));
            var deliveredAll = clock.Elapsed;
            var (storedAtEnd, pendingAtEnd) = await Poll.UntilAsync(() => ReplicaScenario.PeekAsync(db, ApiKey), p => p.Stored == 0,
                TimeSpan.FromSeconds(30), p => $"{p.Stored} entries left in the streams, pending {string.Join(", ", p.PendingBy)}");

            var events = klaviyo.State.Events.Count;
            var sent = Shop.EventsSent(klaviyo);
            output.WriteLine($"{Customers} customers through 2 replicas, Redis with appendonly yes, appendfsync everysec; " +
                $"Redis SIGKILLed at {ShopClient.Format(killedAt.TotalSeconds)} with {storedAtKill} entries stored and not finished ({deliveredAtKill} of {Shop.ExpectedEvents(customers.Take(Customers / 2)).Count} first-half events delivered); " +
                $"both replicas Degraded at {ShopClient.Format(degradedAt.TotalSeconds)}, Redis restarted at {ShopClient.Format(restartedAt.TotalSeconds)}, both queues reach Redis at {ShopClient.Format(healthyAt.TotalSeconds)} ({deliveredAtRestart} events delivered then); " +
                $"all {events} events and {klaviyo.State.Profiles.Count} profiles delivered at {ShopClient.Format(deliveredAll.TotalSeconds)}; {sent - events} duplicates sent (deduped by unique_id)");
            foreach (var replica in replicas) output.WriteLine($"--- {replica.Name} (replica {replica.Number}) ---\n{replica.Output}");

            Assert.True(storedAtKill > 0, "Redis was killed with nothing waiting in the queue: the scenario did not test persistence.");
            Assert.Equal(Shop.ExpectedEvents(customers).Count, events);
            Assert.Equal(Customers, klaviyo.State.Profiles.Count);
            Assert.Equal(0, storedAtEnd);
            Assert.All(pendingAtEnd, p => Assert.Equal(0, p.Value));
        }
        finally
        {
            foreach (var replica in replicas) await replica.DisposeAsync();
        }
    }
}
