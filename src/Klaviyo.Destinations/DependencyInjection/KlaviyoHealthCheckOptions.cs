namespace Klaviyo.Destinations;

/// <summary>
/// Thresholds of the Klaviyo health check on the backlog's age: how long the oldest item not yet delivered (or given up)
/// has waited in the queue. Items normally wait at most their flush window (<see cref="KlaviyoDestinationOptions.FlushInterval"/>,
/// and <see cref="KlaviyoDestinationOptions.AudienceFlushInterval"/> when audience lists are configured), so the defaults
/// start from that window: Degraded 15 minutes past it, Unhealthy 1 hour past it.
/// </summary>
public sealed class KlaviyoHealthCheckOptions
{
    /// <summary>Backlog age from which the check reports Degraded; null (default) for the flush window + 15 minutes.</summary>
    public TimeSpan? DegradedBacklogAge { get; set; }

    /// <summary>Backlog age from which the check reports Unhealthy; null (default) for the flush window + 1 hour.</summary>
    public TimeSpan? UnhealthyBacklogAge { get; set; }

    /// <summary>The thresholds that apply with <paramref name="options"/>.</summary>
    internal (TimeSpan Degraded, TimeSpan Unhealthy) Thresholds(KlaviyoDestinationOptions options)
    {
        var window = options.EffectiveFlushInterval;
        if ((options.AudienceLists?.Count > 0 || options.ComputedAudienceLists?.Count > 0) && options.AudienceFlushInterval > window)
            window = options.AudienceFlushInterval;
        var degraded = DegradedBacklogAge ?? window + TimeSpan.FromMinutes(15);
        var unhealthy = UnhealthyBacklogAge ?? window + TimeSpan.FromHours(1);
        if (degraded <= TimeSpan.Zero || unhealthy < degraded)
            throw new KlaviyoConfigurationException($"The Klaviyo health check's backlog ages must be positive with UnhealthyBacklogAge ≥ DegradedBacklogAge (they are {degraded} and {unhealthy}).");
        return (degraded, unhealthy);
    }
}
