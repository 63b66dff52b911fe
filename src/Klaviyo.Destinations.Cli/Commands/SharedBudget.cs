using Klaviyo.Destinations.Redis;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Klaviyo.Destinations.Cli.Commands;

/// <summary><c>--redis</c>: the account's rate budget kept in Redis and shared with every other worker (see docs/scale-out.md).</summary>
internal sealed class SharedBudget : IAsyncDisposable
{
    private readonly ConnectionMultiplexer _redis;
    private readonly ILoggerFactory _logs;

    private SharedBudget(ConnectionMultiplexer redis, ILoggerFactory logs)
    {
        _redis = redis;
        _logs = logs;
    }

    /// <summary>Connects and hands the shared budget to <paramref name="options"/>; null without <c>--redis</c>.</summary>
    public static async Task<SharedBudget?> ConnectAsync(string? configuration, KlaviyoDestinationOptions options, Shard shard)
    {
        if (string.IsNullOrWhiteSpace(configuration))
        {
            if (shard.Count > 1)
                await Console.Error.WriteLineAsync($"klaviyo-dest: --shard {shard} without --redis: each worker paces itself alone, so {shard.Count} workers together can exceed the account's rate limits (429s are retried, but cost time). Add --redis to share one budget.");
            return null;
        }
        ConfigurationOptions parsed;
        try
        {
            parsed = ConfigurationOptions.Parse(configuration);
        }
        catch (ArgumentException ex)
        {
            throw new UsageException($"--redis '{configuration}' is not a StackExchange.Redis configuration string ({ex.Message}); e.g. --redis localhost:6379.");
        }
        parsed.AbortOnConnectFail = false;
        parsed.BacklogPolicy = BacklogPolicy.FailFast;
        var redis = await ConnectionMultiplexer.ConnectAsync(parsed);
        var logs = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Information)
            .AddFilter((category, _) => category?.StartsWith("Klaviyo.Destinations.Redis", StringComparison.Ordinal) == true));
        // While Redis is unreachable each of the N workers paces itself with 1/N of every tier.
        var budget = new RedisRateBudget(redis, options.ApiKey, options.RateLimitTimeScale,
            new KlaviyoRedisOptions { FallbackShare = 1.0 / shard.Count }, logs.CreateLogger<RedisRateBudget>());
        options.UseRateBudget(budget);
        return new SharedBudget(redis, logs);
    }

    public async ValueTask DisposeAsync()
    {
        await _redis.DisposeAsync();
        _logs.Dispose();
    }
}
