using System.Diagnostics;
using Klaviyo.Destinations.Redis.Tests.Support;
using Klaviyo.Emulator;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Klaviyo.Destinations.Redis.Tests.Replicas;

/// <summary>
/// Three replicas of the scale-out sample accept a shop's traffic into the shared Redis queue and deliver it to the
/// emulator; the one holding the most partitions is killed with SIGKILL while it has items read but not finished. The
/// others take its partitions over and deliver everything every replica acknowledged as stored, and Klaviyo shows
/// nothing twice.
/// </summary>
[Collection(ReplicaProcessesCollection.Name)]
public sealed class ReplicaKillTests(ITestOutputHelper output)
{
    private const int Customers = 450;
    private const string ApiKey = "pk_replica_kill_test";

    [RedisFact]
    public async Task A_replica_killed_with_SIGKILL_mid_run_leaves_every_acknowledged_item_delivered_once()
    {
        await using var redis = await RedisServer.StartAsync();
        // Klaviyo answers each request after 150 ms, so a replica always has items on their way when it dies.
        await using var klaviyo = await KlaviyoEmulator.StartAsync(new KlaviyoEmulatorOptions { Faults = new EmulatorFaults { Latency = TimeSpan.FromMilliseconds(150) } });
        var replicas = await ReplicaScenario.StartAsync(3, ReplicaScenario.Settings(redis, klaviyo, ApiKey));
        try
        {
            await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
            var db = connection.GetDatabase();
            var client = new ShopClient(replicas);
            var customers = Enumerable.Range(1, Customers).Select(Shop.CustomerNo).ToList();
            var shopped = 0;
            using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(4));
            var clock = Stopwatch.StartNew();
            var traffic = Parallel.ForEachAsync(customers, new ParallelOptions { MaxDegreeOfParallelism = 6, CancellationToken = cancel.Token }, async (customer, token) =>
            {
                await client.ShopAsync(customer, token);
                Interlocked.Increment(ref shopped);
            });

            // A third of the way in, the replica holding the most partitions, once it has items read but not finished.
            await Poll.UntilAsync(() => Volatile.Read(ref shopped), n => n >= Customers / 3, TimeSpan.FromMinutes(2), n => $"{n} customers shopped");
            var statuses = await Task.WhenAll(replicas.Select(r => r.StatusAsync()));
            var victim = replicas[Array.IndexOf(statuses, statuses.MaxBy(s => s.Partitions.Length))];
            var heldPartitions = statuses.Max(s => s.Partitions.Length);
            await Poll.UntilAsync(() => ReplicaScenario.PeekAsync(db, ApiKey), p => p.PendingBy.GetValueOrDefault(victim.Number.ToString(System.Globalization.CultureInfo.InvariantCulture)) > 0,
                TimeSpan.FromMinutes(1), p => $"replica {victim.Number} has nothing in flight ({string.Join(", ", p.PendingBy)})");
            client.MarkDead(victim);
            await victim.KillAsync();
            var killedAt = clock.Elapsed;
            var deliveredAtKill = klaviyo.State.Events.Count;
            var shoppedAtKill = Volatile.Read(ref shopped);
            var (storedAtKill, pendingAfterKill) = await ReplicaScenario.PeekAsync(db, ApiKey);
            var leftInFlight = pendingAfterKill.GetValueOrDefault(victim.Number.ToString(System.Globalization.CultureInfo.InvariantCulture));

            await traffic;
            var acceptedAll = clock.Elapsed;
            var problems = await Poll.UntilAsync(() => Shop.Problems(klaviyo, customers), p => p.Count == 0, TimeSpan.FromMinutes(3), p => string.Join("; ", p));
            var deliveredAll = clock.Elapsed;
            // Every item finished is deleted from its stream: nothing left behind in Redis, nothing pending.
            var (storedAtEnd, pendingAtEnd) = await Poll.UntilAsync(() => ReplicaScenario.PeekAsync(db, ApiKey), p => p.Stored == 0,
                TimeSpan.FromSeconds(30), p => $"{p.Stored} entries left in the streams, pending {string.Join(", ", p.PendingBy)}");

            // The survivors hold every partition between them once each has taken its fair share (a heartbeat or two after
            // the dead replica's leases expired; not necessarily before the last item was delivered).
            var survivors = await Poll.UntilAsync(() => Task.WhenAll(replicas.Where(r => r != victim).Select(r => r.StatusAsync())),
                held => held.Sum(s => s.Partitions.Length) == ReplicaScenario.Partitions, TimeSpan.FromSeconds(30),
                held => $"survivors hold {string.Join(" + ", held.Select(s => s.Partitions.Length))} of {ReplicaScenario.Partitions} partitions");
            var events = klaviyo.State.Events.Count;
            var sent = Shop.EventsSent(klaviyo);
            output.WriteLine($"{Customers} customers ({Shop.ExpectedEvents(customers).Count} order events, {Customers} profiles) through 3 replicas; " +
                $"replica {victim.Number} (holding {heldPartitions} of {ReplicaScenario.Partitions} partitions) SIGKILLed at {ShopClient.Format(killedAt.TotalSeconds)} " +
                $"with {leftInFlight} entries read and not finished, {storedAtKill} entries in the streams, {deliveredAtKill} events delivered and {shoppedAtKill} customers shopped; " +
                $"all accepted at {ShopClient.Format(acceptedAll.TotalSeconds)}, all delivered at {ShopClient.Format(deliveredAll.TotalSeconds)}; " +
                $"{events} events visible, {sent} sent to Klaviyo ({sent - events} duplicates sent, deduped by unique_id), {klaviyo.State.Profiles.Count} profiles; " +
                $"{client.Retried} client requests sent again; survivors hold {string.Join(" + ", survivors.Select(s => s.Partitions.Length))} partitions");
            foreach (var replica in replicas) output.WriteLine($"--- {replica.Name} (replica {replica.Number}) ---\n{replica.Output}");

            Assert.True(leftInFlight > 0, "The replica was killed with nothing in flight: the scenario did not test a takeover.");
            Assert.Equal(Shop.ExpectedEvents(customers).Count, events);
            Assert.Equal(Customers, klaviyo.State.Profiles.Count);
            Assert.All(pendingAtEnd, p => Assert.Equal(0, p.Value));
            Assert.Equal(0, storedAtEnd);
            Assert.Equal(ReplicaScenario.Partitions, survivors.Sum(s => s.Partitions.Length));
        }
        finally
        {
            foreach (var replica in replicas) await replica.DisposeAsync();
        }
    }
}
