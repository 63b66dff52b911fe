using Klaviyo.Destinations.Redis.Tests.Support;
using StackExchange.Redis;

namespace Klaviyo.Destinations.Redis.Tests.Queue;

/// <summary>One real redis-server (and a connection to it) shared by the tests of a class; each test uses its own key prefix.</summary>
public sealed class RedisQueueFixture : IAsyncLifetime
{
    private RedisServer? _server;

    internal RedisServer Server => _server ?? throw new InvalidOperationException("redis-server is not started.");

    /// <summary>The connection the tests' queues share.</summary>
    public IConnectionMultiplexer Redis { get; private set; } = null!;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        if (RedisServer.Binary is null) return;   // the tests skip with the reason (RedisFact); CI=true makes them fail on Server
        _server = await RedisServer.StartAsync();
        Redis = await ConnectAsync();
    }

    /// <summary>A new connection (another replica has its own).</summary>
    public async Task<IConnectionMultiplexer> ConnectAsync()
    {
        var options = ConfigurationOptions.Parse(Server.Configuration);
        options.BacklogPolicy = BacklogPolicy.FailFast;
        return await ConnectionMultiplexer.ConnectAsync(options);
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (Redis is not null) await Redis.DisposeAsync();
        if (_server is not null) await _server.DisposeAsync();
    }
}
