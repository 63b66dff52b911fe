using Klaviyo.Destinations.Redis.Tests.Support;
using StackExchange.Redis;

namespace Klaviyo.Destinations.Redis.Tests.Cluster;

/// <summary>One real three-node Redis Cluster (and a connection to it) shared by the tests of a class; each test uses its own key prefix or account.</summary>
public sealed class RedisClusterFixture : IAsyncLifetime
{
    private RedisClusterServer? _cluster;

    internal RedisClusterServer Cluster => _cluster ?? throw new InvalidOperationException("redis-server is not installed: the cluster is not started.");

    /// <summary>The connection the tests share (a replica with a connection of its own uses <see cref="ConnectAsync"/>).</summary>
    public IConnectionMultiplexer Redis { get; private set; } = null!;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        if (RedisServer.Binary is null) return;   // the tests skip with the reason (RedisFact); CI=true makes them fail on Cluster
        _cluster = await RedisClusterServer.StartAsync(nodes: 3);
        Redis = await _cluster.ConnectAsync();
    }

    /// <summary>A new connection to every node (another replica has its own).</summary>
    public async Task<IConnectionMultiplexer> ConnectAsync() => await Cluster.ConnectAsync();

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (Redis is not null) await Redis.DisposeAsync();
        if (_cluster is not null) await _cluster.DisposeAsync();
    }
}
