using Klaviyo.Destinations.Tests.Queue.Contract;

namespace Klaviyo.Destinations.Redis.Tests.Queue;

/// <summary>
/// The queue contract (ordering, refusals, watermark, dead letters, close, reopen) against <see cref="RedisEventQueue"/>
/// on a real redis-server: each test has its own key prefix; a reopen is a new replica on the same prefix.
/// </summary>
public sealed class RedisQueueContractTests(RedisQueueFixture redis) : DurableQueueContractTests, IClassFixture<RedisQueueFixture>
{
    private readonly string _prefix = "contract:" + Guid.NewGuid().ToString("N")[..12];

    private RedisEventQueueOptions Options() => new() { KeyPrefix = _prefix };

    /// <inheritdoc />
    protected override async ValueTask<IEventQueue> CreateQueueAsync() => await RedisEventQueue.OpenAsync(redis.Redis, Options(), Clock);

    /// <inheritdoc />
    protected override async ValueTask<IEventQueue> ReopenQueueAsync() => await RedisEventQueue.OpenAsync(redis.Redis, Options(), Clock);
}
