using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Klaviyo.Destinations.Redis;

/// <summary>Shares the Klaviyo destination's rate budget across replicas through Redis.</summary>
public static class KlaviyoRedisServiceCollectionExtensions
{
    /// <summary>
    /// Makes every replica pace its Klaviyo requests by one budget per account kept in Redis (see
    /// <see cref="RedisRateBudget"/>). Call it next to <c>AddKlaviyoDestinations</c>. Redis is the
    /// <c>IConnectionMultiplexer</c> registered in the service collection when there is one, otherwise the one
    /// <see cref="KlaviyoRedisOptions.Configuration"/> describes (bound from <paramref name="configuration"/>'s
    /// <c>Redis</c> section, e.g. <c>Klaviyo:Redis:Configuration</c>). Misconfiguration fails at host start.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The <c>Klaviyo</c> section (its <c>Redis</c> child is read), or null.</param>
    /// <param name="configure">Changes the settings in code.</param>
    public static IServiceCollection AddKlaviyoRedis(this IServiceCollection services, IConfiguration? configuration = null, Action<KlaviyoRedisOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = services.AddOptions<KlaviyoRedisOptions>();
        if (configuration is not null) builder.Bind(configuration.GetSection("Redis"));
        if (configure is not null) builder.Configure(configure);
        builder.Validate(o => o.Problems().Count == 0, "Klaviyo:Redis settings are wrong (see KlaviyoRedisOptions).").ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<KlaviyoRedisConnection>();
        services.TryAddSingleton<KlaviyoRedisBudgets>();
        services.AddOptions<KlaviyoDestinationOptions>().PostConfigure<KlaviyoRedisBudgets>((options, budgets) => options.UseRateBudget(budgets.For(options)));
        // Klaviyo:QueueStorage = Redis: the shared durable queue (null otherwise, and the destination picks its own).
        services.TryAddSingleton<IEventQueue>(OpenQueue);
        return services;
    }

    private static IEventQueue OpenQueue(IServiceProvider services)
    {
        var destination = services.GetRequiredService<IOptions<KlaviyoDestinationOptions>>().Value;
        if (destination.QueueStorage != QueueStorage.Redis) return null!;
        var settings = services.GetRequiredService<IOptions<KlaviyoRedisOptions>>().Value;
        var queue = settings.Queue;
        var options = new RedisEventQueueOptions
        {
            // One queue per Klaviyo account (tenant): the account part is a hash of the key, never the key.
            KeyPrefix = $"{queue.KeyPrefix}:{AccountKey.Of(destination.ApiKey)}",
            Partitions = queue.Partitions,
            LeaseDuration = queue.LeaseDuration,
            MaxBuffered = queue.MaxBuffered,
            ReadAhead = queue.ReadAhead,
            PollInterval = queue.PollInterval,
            MaxDeadLetters = queue.MaxDeadLetters,
            RetryInterval = queue.RetryInterval,
            Rebalance = queue.Rebalance,
        };
        var connection = services.GetRequiredService<KlaviyoRedisConnection>().Redis;
        try
        {
            return RedisEventQueue.OpenAsync(connection, options, services.GetRequiredService<TimeProvider>(),
                services.GetService<ILoggerFactory>()?.CreateLogger<RedisEventQueue>(), services.GetService<IMeterFactory>()).GetAwaiter().GetResult();
        }
        catch (Exception ex) when (RedisEventQueue.IsRedisFailure(ex))
        {
            throw new KlaviyoConfigurationException($"Klaviyo:QueueStorage is Redis, but the queue could not be opened: Redis did not answer ({ex.Message}). Check Klaviyo:Redis:Configuration and that Redis is running.");
        }
    }

    /// <summary>
    /// Adds a health check named <paramref name="name"/>: Degraded while Redis is unreachable (each replica then paces
    /// itself locally with its fallback share of the rate limits, and the shared queue, when used, keeps accepted items
    /// in memory), Healthy otherwise.
    /// </summary>
    public static IHealthChecksBuilder AddKlaviyoRedis(this IHealthChecksBuilder builder, string name = "klaviyo-redis", IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(new HealthCheckRegistration(name, sp => new KlaviyoRedisHealthCheck(sp.GetRequiredService<KlaviyoRedisBudgets>(), sp.GetService<IEventQueue>() as RedisEventQueue, sp.GetService<TimeProvider>()), HealthStatus.Degraded, tags));
    }
}

/// <summary>The Redis connection: the registered <see cref="IConnectionMultiplexer"/>, or one made from the configuration string.</summary>
internal sealed class KlaviyoRedisConnection(IServiceProvider services, IOptions<KlaviyoRedisOptions> options) : IDisposable
{
    private readonly Lazy<(IConnectionMultiplexer Redis, bool Owned)> _redis = new(() =>
    {
        if (services.GetService<IConnectionMultiplexer>() is { } registered) return (registered, false);
        var configuration = options.Value.Configuration;
        if (string.IsNullOrWhiteSpace(configuration))
            throw new KlaviyoConfigurationException("AddKlaviyoRedis needs Redis: set Klaviyo:Redis:Configuration to a StackExchange.Redis configuration string (e.g. \"redis:6379\"), or register an IConnectionMultiplexer in the service collection.");
        ConfigurationOptions parsed;
        try
        {
            parsed = ConfigurationOptions.Parse(configuration);
        }
        catch (ArgumentException ex)
        {
            throw new KlaviyoConfigurationException($"Klaviyo:Redis:Configuration is not a StackExchange.Redis configuration string ({ex.Message}); e.g. \"redis:6379,password=…\".");
        }
        // Never fail the host because Redis is down at start: the connection keeps retrying, the budget falls back meanwhile.
        parsed.AbortOnConnectFail = false;
        // While Redis is unreachable a request is paced locally at once instead of waiting in a backlog for a timeout.
        parsed.BacklogPolicy = BacklogPolicy.FailFast;
        return (ConnectionMultiplexer.Connect(parsed), true);
    });

    public IConnectionMultiplexer Redis => _redis.Value.Redis;

    public void Dispose()
    {
        if (_redis.IsValueCreated && _redis.Value.Owned) _redis.Value.Redis.Dispose();
    }
}

/// <summary>The shared budgets in use, for the health check.</summary>
internal interface IKlaviyoRedisBudgetSource
{
    IReadOnlyList<RedisRateBudget> Made { get; }
}

/// <summary>The shared budgets made for the destination options (one per account); the health check reads them.</summary>
internal sealed class KlaviyoRedisBudgets(KlaviyoRedisConnection connection, IOptions<KlaviyoRedisOptions> options, TimeProvider time,
    ILoggerFactory? loggerFactory = null, IMeterFactory? meterFactory = null) : IKlaviyoRedisBudgetSource
{
    private readonly List<RedisRateBudget> _made = [];

    public RedisRateBudget For(KlaviyoDestinationOptions destination)
    {
        var budget = new RedisRateBudget(connection.Redis, destination.ApiKey, destination.RateLimitTimeScale, options.Value,
            loggerFactory?.CreateLogger<RedisRateBudget>(), time, meterFactory);
        lock (_made) _made.Add(budget);
        return budget;
    }

    public IReadOnlyList<RedisRateBudget> Made
    {
        get { lock (_made) return [.. _made]; }
    }
}

/// <summary>
/// Degraded while the shared queue or a shared budget cannot reach Redis. The description is one short line (what failed,
/// where, for how long); StackExchange.Redis's whole message is in the data (<c>error</c>), with <c>since</c>.
/// </summary>
internal sealed class KlaviyoRedisHealthCheck(IKlaviyoRedisBudgetSource budgets, RedisEventQueue? queue = null, TimeProvider? time = null) : IHealthCheck
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (queue?.Outage is { } outage)
        {
            var since = queue.OutageSince ?? _time.GetUtcNow();
            var buffered = queue.Buffered;
            var data = new Dictionary<string, object>
            {
                ["since"] = since,
                ["buffered"] = buffered,
                ["unfinished"] = queue.Backlog.Unfinished,
                ["error"] = outage,
            };
            return HealthCheckResult.Degraded(
                $"Redis unreachable for {RedisFailureText.Lasting(_time.GetUtcNow() - since)} ({RedisFailureText.Summarize(outage)}); the shared queue holds {buffered:N0} items in this replica's memory until Redis answers.",
                data: data);
        }
        foreach (var budget in budgets.Made)
        {
            // An idle replica's budget would otherwise only learn that Redis is back from its next Klaviyo request.
            await budget.ProbeIfDegradedAsync(cancellationToken).ConfigureAwait(false);
            // Per endpoint: on a cluster with one node down, only the endpoints whose keys it holds are on their fallback.
            if (budget.IsDegraded && RedisBudgetHealth.Describe(budget, _time.GetUtcNow()) is { Description.Length: > 0 } degraded)
                return HealthCheckResult.Degraded(degraded.Description, data: degraded.Data);
        }
        return HealthCheckResult.Healthy("The Klaviyo rate budget is shared through Redis.");
    }
}
