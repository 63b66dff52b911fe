using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Klaviyo.Destinations;

/// <summary>
/// Health of the Klaviyo destination: Unhealthy while Klaviyo refuses the key (delivery paused, items kept) or the
/// durable queue is at its disk budget; Degraded while Klaviyo is down (paused), when the queue is above 80 % of its
/// budget, or when there are dead letters; Healthy otherwise. The data carries the numbers (backlog, bytes, dead letters).
/// </summary>
internal sealed class KlaviyoHealthCheck(IServiceProvider services) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var destination = services.GetRequiredService<Analytics>().Destination;
        var maxBytes = services.GetRequiredService<IOptions<KlaviyoDestinationOptions>>().Value.MaxQueueBytes;
        var queue = destination.DurableQueue;
        var data = new Dictionary<string, object>
        {
            ["state"] = destination.State.ToString(),
            ["backlog"] = destination.Pending,
            ["durable"] = destination.IsDurable,
        };
        if (destination.PausedSince is { } since) data["pausedSince"] = since;
        if (destination.PauseReason is { } reason) data["pauseReason"] = reason;
        double budgetUsed = 0;
        long deadLetters = 0;
        if (queue is not null)
        {
            budgetUsed = (double)queue.StoredBytes / maxBytes;
            deadLetters = queue.DeadLetterCount;
            data["queuePath"] = queue.Path;
            data["storedItems"] = queue.StoredCount;
            data["storedBytes"] = queue.StoredBytes;
            data["maxBytes"] = maxBytes;
            data["deadLetters"] = deadLetters;
        }
        var result = destination.State switch
        {
            DeliveryState.CredentialsRefused => HealthCheckResult.Unhealthy($"Klaviyo refuses the API key ({destination.PauseReason}); delivery is paused and {destination.Pending} items are kept. Fix Klaviyo:ApiKey.", data: data),
            _ when budgetUsed >= 1 => HealthCheckResult.Unhealthy($"The durable queue is at its disk budget ({maxBytes:N0} bytes): new items are refused or old ones dropped (QueueOverflow).", data: data),
            DeliveryState.KlaviyoUnavailable => HealthCheckResult.Degraded($"Klaviyo is not answering ({destination.PauseReason}); delivery is paused and {destination.Pending} items are kept until it answers.", data: data),
            _ when budgetUsed >= 0.8 => HealthCheckResult.Degraded($"The durable queue uses {budgetUsed:P0} of its disk budget.", data: data),
            _ when deadLetters > 0 => HealthCheckResult.Degraded($"{deadLetters} dead letters: items given up on. List and replay them with 'klaviyo-dest dead-letters'.", data: data),
            _ => HealthCheckResult.Healthy($"Delivering; {destination.Pending} items pending.", data: data),
        };
        return Task.FromResult(result);
    }
}

/// <summary>Adds the Klaviyo destination's health check (see <c>README</c>, "Health checks").</summary>
public static class KlaviyoHealthCheckBuilderExtensions
{
    /// <summary>
    /// Adds a health check named <paramref name="name"/> reporting the Klaviyo destination: Unhealthy while Klaviyo
    /// refuses the key or the durable queue is full, Degraded while Klaviyo is down, the queue is above 80 % of its disk
    /// budget or dead letters wait, Healthy otherwise; the data carries the backlog, queue bytes and dead letters.
    /// </summary>
    public static IHealthChecksBuilder AddKlaviyoDestinations(this IHealthChecksBuilder builder, string name = "klaviyo", IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(new HealthCheckRegistration(name, sp => new KlaviyoHealthCheck(sp), failureStatus: null, tags));
    }
}
