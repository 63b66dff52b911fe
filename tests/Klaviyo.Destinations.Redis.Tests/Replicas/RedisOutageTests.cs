using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Klaviyo.Destinations.Redis.Tests.Support;
using Klaviyo.Emulator;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Klaviyo.Destinations.Redis.Tests.Replicas;

/// <summary>
/// Redis is down for a while under two replicas of the scale-out sample: they report Degraded health on <c>/health</c>,
/// keep accepting into memory up to <c>Klaviyo:Redis:Queue:MaxBuffered</c> (202, <c>stored: false</c>), refuse beyond
/// it with a clear reason (503), and deliver everything they accepted once Redis is back.
/// </summary>
[Collection(ReplicaProcessesCollection.Name)]
public sealed class RedisOutageTests(ITestOutputHelper output)
{
    private const int Bound = 60;
    private const string ApiKey = "pk_redis_outage_test";

    [RedisFact]
    public async Task While_Redis_is_down_replicas_accept_up_to_their_bound_refuse_beyond_it_report_Degraded_and_catch_up_after()
    {
        await using var redis = await RedisServer.StartAsync(appendOnly: true, fsync: "everysec");
        await using var klaviyo = await KlaviyoEmulator.StartAsync();
        var replicas = await ReplicaScenario.StartAsync(2, ReplicaScenario.Settings(redis, klaviyo, ApiKey,
            ("Klaviyo__Redis__Queue__MaxBuffered", Bound.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        var (a, b) = (replicas[0], replicas[1]);
        try
        {
            await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
            var db = connection.GetDatabase();
            using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(4));
            var before = Enumerable.Range(1, 40).Select(Shop.CustomerNo).ToList();
            var client = new ShopClient(replicas);
            await Parallel.ForEachAsync(before, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancel.Token }, async (c, token) => await client.ShopAsync(c, token));
            await Poll.UntilAsync(() => Shop.Problems(klaviyo, before), p => p.Count == 0, TimeSpan.FromMinutes(1), p => string.Join("; ", p));

            var clock = Stopwatch.StartNew();
            await redis.KillAsync();
            var degraded = new List<string>();
            foreach (var replica in replicas)
                degraded.Add((await Poll.UntilAsync(replica.HealthAsync, h => h.Checks["klaviyo-redis"] == "Degraded", TimeSpan.FromSeconds(30), h => $"{replica.Name}: {h.Body}")).Body);
            var degradedAfter = clock.Elapsed;

            // Replica A takes identifies until its memory bound is reached; the next is refused with the reason.
            var acceptedByA = new List<Shop.Customer>();
            Shop.Customer? refused = null;
            string refusal = "";
            for (var i = 1001; refused is null && i < 1001 + Bound + 10; i++)
            {
                var customer = Shop.CustomerNo(i);
                using var response = await a.Http.PostAsJsonAsync("identify", Shop.IdentifyBody(customer), cancel.Token);
                var body = await response.Content.ReadAsStringAsync(cancel.Token);
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    using var answer = JsonDocument.Parse(body);
                    Assert.False(answer.RootElement.GetProperty("stored").GetBoolean(), body);
                    acceptedByA.Add(customer);
                }
                else
                {
                    Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                    (refused, refusal) = (customer, body);
                }
            }
            // Replica B takes whole shopping trips (identify, then order) meanwhile.
            var acceptedByB = Enumerable.Range(2001, 10).Select(Shop.CustomerNo).ToList();
            foreach (var customer in acceptedByB)
            {
                foreach (var (path, body) in new[] { ("identify", Shop.IdentifyBody(customer)), ("orders", Shop.OrderBody(customer)) })
                {
                    using var response = await b.Http.PostAsJsonAsync(path, body, cancel.Token);
                    Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync(cancel.Token));
                }
            }
            var (_, checksDuringOutage, healthDuringOutage) = await b.HealthAsync();
            // Down for longer than a lease: both replicas stop reading their partitions (they cannot renew them) and
            // must take them again, and claim what was left pending, once Redis is back.
            foreach (var replica in replicas)
                await Poll.UntilAsync(replica.StatusAsync, s => s.Partitions.Length == 0, TimeSpan.FromSeconds(30), s => $"{replica.Name} still holds {s.Partitions.Length} partitions");

            await redis.StartAgainAsync();
            var downFor = clock.Elapsed;
            // Each replica's queue reaches Redis again, and its health check says so (the rate budget's part probes Redis
            // itself, so a replica with nothing to send turns Healthy too).
            foreach (var replica in replicas)
            {
                await Poll.UntilAsync(replica.StatusAsync, s => s.Outage is null, TimeSpan.FromSeconds(30), s => $"{replica.Name}: {s.Outage}");
                await Poll.UntilAsync(replica.HealthAsync, h => h.Checks["klaviyo-redis"] == "Healthy", TimeSpan.FromSeconds(30), h => $"{replica.Name}: {h.Body}");
            }
            var healthyAfter = clock.Elapsed - downFor;
            var problems = await Poll.UntilAsync(() => [.. Shop.Problems(klaviyo, [.. before, .. acceptedByB]), .. Shop.ProfileProblems(klaviyo, acceptedByA)],
                (List<string> p) => p.Count == 0, TimeSpan.FromMinutes(2), p => string.Join("; ", p));
            var caughtUpAfter = clock.Elapsed - downFor;
            var (storedAtEnd, _) = await Poll.UntilAsync(() => ReplicaScenario.PeekAsync(db, ApiKey), p => p.Stored == 0,
                TimeSpan.FromSeconds(30), p => $"{p.Stored} entries left in the streams");

            output.WriteLine($"Redis down for {ShopClient.Format(downFor.TotalSeconds)} (both replicas Degraded after {ShopClient.Format(degradedAfter.TotalSeconds)}); " +
                $"replica A accepted {acceptedByA.Count} identifies into memory (MaxBuffered {Bound}), refused the next: {refusal}; replica B accepted {acceptedByB.Count} customers' identify + order; " +
                $"both queues reach Redis {ShopClient.Format(healthyAfter.TotalSeconds)} after Redis restarted, everything delivered {ShopClient.Format(caughtUpAfter.TotalSeconds)} after; " +
                $"{klaviyo.State.Profiles.Count} profiles, {klaviyo.State.Events.Count} events");
            output.WriteLine("Health during the outage: " + healthDuringOutage);
            foreach (var replica in replicas) output.WriteLine($"--- {replica.Name} (replica {replica.Number}) ---\n{replica.Output}");
            // Every partition is held again: each replica takes back its fair share once it sees the other at two
            // heartbeats, which may come after the last item was delivered (the other replica's partitions may be empty).
            var partitionsAfter = await Poll.UntilAsync(async () => (await Task.WhenAll(replicas.Select(r => r.StatusAsync()))).Sum(s => s.Partitions.Length),
                held => held == ReplicaScenario.Partitions, TimeSpan.FromSeconds(30), held => $"{held} of {ReplicaScenario.Partitions} partitions held");

            // /health's description: one short line (what failed, where, for how long); the client's whole message is in its data.
            Assert.All(degraded, body =>
            {
                using var health = JsonDocument.Parse(body);
                var check = health.RootElement.GetProperty("checks").GetProperty("klaviyo-redis");
                var description = check.GetProperty("description").GetString()!;
                Assert.StartsWith("Redis unreachable for ", description, StringComparison.Ordinal);
                Assert.DoesNotContain('\n', description);
                Assert.True(description.Length <= 200, description);
                Assert.True(check.GetProperty("data").TryGetProperty("error", out _), body);
                Assert.DoesNotContain(ApiKey, body, StringComparison.Ordinal);
            });
            Assert.Equal("Degraded", checksDuringOutage["klaviyo-redis"]);
            Assert.Equal(Bound, acceptedByA.Count);
            Assert.NotNull(refused);
            Assert.Contains("write buffer is full", refusal, StringComparison.Ordinal);
            Assert.Contains("Redis cannot be reached", refusal, StringComparison.Ordinal);
            Assert.Null(klaviyo.State.FindProfile(refused.Email));
            Assert.Equal(before.Count + acceptedByA.Count + acceptedByB.Count, klaviyo.State.Profiles.Count);
            Assert.Equal(0, storedAtEnd);
            Assert.Equal(ReplicaScenario.Partitions, partitionsAfter);
            // Logged once per outage (event 2101), and the recovery (2104).
            Assert.Contains("The Redis queue cannot reach Redis", a.Output + b.Output, StringComparison.Ordinal);
            Assert.Contains("The Redis queue reaches Redis again", a.Output + b.Output, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var replica in replicas) await replica.DisposeAsync();
        }
    }
}
