using Klaviyo.Destinations.Redis.Tests.Support;
using StackExchange.Redis;

namespace Klaviyo.Destinations.Redis.Tests.Cluster;

/// <summary>
/// The shared rate budget on a real three-node Redis Cluster: replicas are separate connections (as separate processes
/// have); each endpoint's keys live in one slot, so its scripts run on the node that holds it, on that node's clock, and
/// budgets of different accounts and endpoints live on different nodes without touching each other. Windows are stretched
/// (time scale 0.01: a burst window lasts about 100 s) so that nothing expires during a test.
/// </summary>
public sealed class RedisClusterRateBudgetTests(RedisClusterFixture redis) : IClassFixture<RedisClusterFixture>, IAsyncLifetime
{
    private const double SlowTime = 0.01;
    private static readonly string[] s_endpoints = ["/api/events", "/api/profile-import", "/api/event-bulk-create-jobs", "/api/profile-bulk-import-jobs", "/api/lists", "/api/profiles"];
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];
    private readonly List<IConnectionMultiplexer> _connections = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var connection in _connections) await connection.DisposeAsync();
    }

    private async Task<(RedisRateBudget Budget, IConnectionMultiplexer Connection)> ReplicaAsync(string apiKey)
    {
        var connection = await redis.ConnectAsync();
        _connections.Add(connection);
        return (new RedisRateBudget(connection, apiKey, SlowTime), connection);
    }

    /// <summary>An endpoint's key <paramref name="name"/> (burst, steady, pause, seq, phase) under the default prefix.</summary>
    private static RedisKey Key(string apiKey, string endpoint, string name) => $"klaviyo:rate:{{{AccountKey.Of(apiKey)}:{AccountKey.Slug(endpoint)}}}:{name}";

    private int NodeOf(string apiKey, string endpoint) => redis.Cluster.NodeOf(redis.Redis, Key(apiKey, endpoint, "steady"));

    /// <summary>The keys of <paramref name="apiKey"/>'s account that each node itself stores.</summary>
    private List<IReadOnlyList<string>> AccountKeysByNode(string apiKey) =>
        [.. Enumerable.Range(0, redis.Cluster.Nodes.Count).Select(n => redis.Cluster.KeysOn(redis.Redis, n, $"klaviyo:rate:{{{AccountKey.Of(apiKey)}:*"))];

    [RedisFact]
    public async Task Replicas_share_one_endpoint_s_budget_its_429_pause_and_its_RateLimit_Remaining_on_the_node_that_holds_it()
    {
        const string endpoint = "/api/events";
        var apiKey = $"pk_cluster_one_{_run}";
        var (a, ca) = await ReplicaAsync(apiKey);
        var (b, _) = await ReplicaAsync(apiKey);

        // Take: three between them, then both wait for the first token to come back (one stretched burst window).
        var burst = new KlaviyoRateTier(3, 100);
        Assert.Equal(TimeSpan.Zero, await a.TryTakeSharedAsync(endpoint, burst, default));
        Assert.Equal(TimeSpan.Zero, await b.TryTakeSharedAsync(endpoint, burst, default));
        Assert.Equal(TimeSpan.Zero, await a.TryTakeSharedAsync(endpoint, burst, default));
        foreach (var wait in new[] { await a.TryTakeSharedAsync(endpoint, burst, default), await b.TryTakeSharedAsync(endpoint, burst, default) })
            Assert.InRange(wait!.Value, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(1 / SlowTime * 1.03));

        // Every key of the endpoint is on one node, the one the connection sends its scripts to, and on no other.
        var byNode = AccountKeysByNode(apiKey);
        var node = NodeOf(apiKey, endpoint);
        Assert.Equal(["burst", "seq", "steady"], byNode[node].Select(k => k[(k.LastIndexOf(':') + 1)..]).Order());
        Assert.All(byNode.Where((_, i) => i != node), keys => Assert.Empty(keys));

        // A 429 seen by a pauses the endpoint for b; a round trip on a's connection to that node (the pause key) comes after the pause was written.
        var pauseKey = Key(apiKey, "/api/profile-import", "pause");
        var (c, cc) = await ReplicaAsync(apiKey);
        var (d, _) = await ReplicaAsync(apiKey);
        var tier = new KlaviyoRateTier(50, 500);
        Assert.Equal(TimeSpan.Zero, await d.TryTakeSharedAsync("/api/profile-import", tier, default));
        c.Throttled("/api/profile-import", tier, TimeSpan.FromSeconds(20));
        Assert.True(await cc.GetDatabase().KeyExistsAsync(pauseKey));
        Assert.InRange((await d.TryTakeSharedAsync("/api/profile-import", tier, default))!.Value, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(20));

        // RateLimit-Remaining lower than the replicas expect: the difference is spent for all.
        var steady = new KlaviyoRateTier(100, 10);
        const string observed = "/api/lists";
        Assert.Equal(TimeSpan.Zero, await a.TryTakeSharedAsync(observed, steady, default));
        a.Observe(observed, steady, 4);
        // 10 a minute, 1 taken, 4 left: 5 more spent (a read on a's connection to that node comes after the observation).
        Assert.Equal(6, await ca.GetDatabase().SortedSetLengthAsync(Key(apiKey, observed, "steady")));
        for (var i = 0; i < 4; i++) Assert.Equal(TimeSpan.Zero, await b.TryTakeSharedAsync(observed, steady, default));
        Assert.True(await b.TryTakeSharedAsync(observed, steady, default) > TimeSpan.Zero);
        Assert.False(a.IsDegraded || b.IsDegraded || c.IsDegraded || d.IsDegraded);
    }

    [RedisFact]
    public async Task Accounts_and_endpoints_on_different_nodes_keep_their_own_budgets_and_pauses()
    {
        // Two accounts whose budget for one endpoint lands on different nodes, and two endpoints of one account on different nodes.
        var accounts = Enumerable.Range(0, 12).Select(i => $"pk_cluster_tenant_{i}_{_run}").ToList();
        var tenantA = accounts[0];
        var tenantB = accounts.FirstOrDefault(k => NodeOf(k, "/api/events") != NodeOf(tenantA, "/api/events"));
        Assert.NotNull(tenantB);
        var other = s_endpoints.FirstOrDefault(e => NodeOf(tenantA, e) != NodeOf(tenantA, "/api/events"));
        Assert.NotNull(other);

        var (a, ca) = await ReplicaAsync(tenantA);
        var (a2, _) = await ReplicaAsync(tenantA);
        var (b, _) = await ReplicaAsync(tenantB);
        var tier = new KlaviyoRateTier(2, 100);
        foreach (var replica in new[] { a, a2, b })
        {
            Assert.Equal(TimeSpan.Zero, await replica.TryTakeSharedAsync("/api/events", tier, default));
        }
        // Tenant A's two replicas spent its two; tenant B, on another node, has one left.
        Assert.True(await a.TryTakeSharedAsync("/api/events", tier, default) > TimeSpan.Zero);
        Assert.Equal(TimeSpan.Zero, await b.TryTakeSharedAsync("/api/events", tier, default));
        Assert.True(await b.TryTakeSharedAsync("/api/events", tier, default) > TimeSpan.Zero);

        // A 429 on tenant A's other endpoint (another node) pauses that endpoint for both of A's replicas, and nothing else.
        Assert.Equal(TimeSpan.Zero, await a2.TryTakeSharedAsync(other, tier, default));
        a.Throttled(other, tier, TimeSpan.FromSeconds(20));
        Assert.True(await ca.GetDatabase().KeyExistsAsync(Key(tenantA, other, "pause")));
        Assert.InRange((await a2.TryTakeSharedAsync(other, tier, default))!.Value, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(20));
        Assert.False(await ca.GetDatabase().KeyExistsAsync(Key(tenantA, "/api/events", "pause")));
        Assert.False(await ca.GetDatabase().KeyExistsAsync(Key(tenantB, "/api/events", "pause")));

        // Each budget is stored on the node that holds its slot.
        var aKeys = AccountKeysByNode(tenantA);
        var bKeys = AccountKeysByNode(tenantB);
        Assert.Contains(aKeys[NodeOf(tenantA, "/api/events")], k => k.EndsWith(":api-events}:steady", StringComparison.Ordinal));
        Assert.Contains(aKeys[NodeOf(tenantA, other)], k => k.EndsWith($":{AccountKey.Slug(other)}}}:pause", StringComparison.Ordinal));
        Assert.Contains(bKeys[NodeOf(tenantB, "/api/events")], k => k.EndsWith(":api-events}:steady", StringComparison.Ordinal));
        Assert.False(a.IsDegraded || a2.IsDegraded || b.IsDegraded);
    }
}
