using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Klaviyo.Destinations;

/// <summary>
/// Health of the Klaviyo destination: Unhealthy while Klaviyo refuses the key (delivery paused, items kept), the durable
/// queue is at its disk budget, or the backlog is older than <see cref="KlaviyoHealthCheckOptions.UnhealthyBacklogAge"/>;
/// Degraded while Klaviyo is down (paused; this wins over the backlog's age, which an outage explains), when the durable
/// queue is above 80 % of its budget, the backlog is older than <see cref="KlaviyoHealthCheckOptions.DegradedBacklogAge"/>,
/// or there are dead letters; Healthy otherwise. The data carries the numbers (backlog, its age, bytes, dead letters).
/// </summary>
internal sealed class KlaviyoHealthCheck(IServiceProvider services, KlaviyoHealthCheckOptions settings) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var destination = services.GetRequiredService<Analytics>().Destination;
        var options = services.GetRequiredService<IOptions<KlaviyoDestinationOptions>>().Value;
        var now = (services.GetService<TimeProvider>() ?? TimeProvider.System).GetUtcNow();
        var maxBytes = options.MaxQueueBytes;
        var (degradedAge, unhealthyAge) = settings.Thresholds(options);
        var backlog = destination.Queue.Backlog;
        var age = backlog.AgeAt(now);
        var deadLetters = destination.Queue.DeadLetterCount;
        var data = new Dictionary<string, object>
        {
            ["state"] = destination.State.ToString(),
            ["backlog"] = backlog.Unfinished,
            ["backlogAgeSeconds"] = Math.Round(age.TotalSeconds, 3),
            ["durable"] = destination.IsDurable,
            ["deadLetters"] = deadLetters,
        };
        if (backlog.OldestUnfinishedAt is { } oldest) data["oldestUnfinishedAt"] = oldest;
        if (destination.PausedSince is { } since) data["pausedSince"] = since;
        if (destination.PauseReason is { } reason) data["pauseReason"] = reason;
        double budgetUsed = 0;
        if (destination.DurableQueue is { } queue)
        {
            budgetUsed = (double)queue.StoredBytes / maxBytes;
            data["queuePath"] = queue.Path;
            data["storedItems"] = queue.StoredCount;
            data["storedBytes"] = queue.StoredBytes;
            data["maxBytes"] = maxBytes;
        }
        var waited = $"the oldest undelivered item has waited {Describe(age)}";
        var result = destination.State switch
        {
            DeliveryState.CredentialsRefused => HealthCheckResult.Unhealthy($"Klaviyo refuses the API key ({destination.PauseReason}); delivery is paused and {backlog.Unfinished} items are kept. Fix Klaviyo:ApiKey.", data: data),
            _ when budgetUsed >= 1 => HealthCheckResult.Unhealthy($"The durable queue is at its disk budget ({maxBytes:N0} bytes): new items are refused or old ones dropped (QueueOverflow).", data: data),
            DeliveryState.KlaviyoUnavailable => HealthCheckResult.Degraded($"Klaviyo is not answering ({destination.PauseReason}); delivery is paused and {backlog.Unfinished} items are kept until it answers ({waited}).", data: data),
            _ when age >= unhealthyAge => HealthCheckResult.Unhealthy($"Delivery is not keeping up: {waited} (Unhealthy from {Describe(unhealthyAge)}). Check the outcomes and logs for the cause.", data: data),
            _ when budgetUsed >= 0.8 => HealthCheckResult.Degraded($"The durable queue uses {budgetUsed:P0} of its disk budget.", data: data),
            _ when age >= degradedAge => HealthCheckResult.Degraded($"Delivery is falling behind: {waited} (Degraded from {Describe(degradedAge)}).", data: data),
            _ when deadLetters > 0 => HealthCheckResult.Degraded($"{deadLetters} dead letters: items given up on. List and replay them with 'klaviyo-dest dead-letters'.", data: data),
            _ => HealthCheckResult.Healthy($"Delivering; {backlog.Unfinished} items pending.", data: data),
        };
        return Task.FromResult(result);
    }

    private static string Describe(TimeSpan span) => span.TotalHours >= 1 ? $"{span.TotalHours:0.#} h" : span.TotalMinutes >= 1 ? $"{span.TotalMinutes:0.#} min" : $"{span.TotalSeconds:0.#} s";
}

/// <summary>Adds the Klaviyo destination's health check (see <c>README</c>, "Health checks").</summary>
public static class KlaviyoHealthCheckBuilderExtensions
{
    /// <summary>
    /// Adds a health check named <paramref name="name"/> reporting the Klaviyo destination: Unhealthy while Klaviyo
    /// refuses the key, the durable queue is full or the backlog is older than the flush window + 1 hour; Degraded while
    /// Klaviyo is down, the queue is above 80 % of its disk budget, the backlog is older than the flush window + 15 minutes
    /// or dead letters wait; Healthy otherwise. The data carries the backlog and its age, queue bytes and dead letters.
    /// </summary>
    public static IHealthChecksBuilder AddKlaviyoDestinations(this IHealthChecksBuilder builder, string name = "klaviyo", IEnumerable<string>? tags = null) =>
        builder.AddKlaviyoDestinations(static _ => { }, name, tags);

    /// <summary>As <see cref="AddKlaviyoDestinations(IHealthChecksBuilder, string, IEnumerable{string}?)"/>, with the backlog-age thresholds set by <paramref name="configure"/>.</summary>
    public static IHealthChecksBuilder AddKlaviyoDestinations(this IHealthChecksBuilder builder, Action<KlaviyoHealthCheckOptions> configure, string name = "klaviyo", IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        var settings = new KlaviyoHealthCheckOptions();
        configure(settings);
        return builder.Add(new HealthCheckRegistration(name, sp => new KlaviyoHealthCheck(sp, settings), failureStatus: null, tags));
    }
}
