namespace Klaviyo.Destinations;

/// <summary>
/// Where the sender takes its permission to call a Klaviyo endpoint. By default each process paces itself with its
/// own token buckets (one per endpoint, from <see cref="KlaviyoDestinationOptions.RateLimits"/>). Klaviyo's limits are
/// per account, not per process: several replicas sending for one account need one budget shared by all of them
/// (the <c>Klaviyo.Destinations.Redis</c> package keeps it in Redis; see <c>docs/scale-out.md</c>). Hand
/// one to <see cref="KlaviyoDestinationOptions.UseRateBudget"/>. Implementations are thread-safe and never throw from
/// <see cref="Throttled"/> or <see cref="Observe(string, KlaviyoRateTier, int)"/>.
/// </summary>
public interface IKlaviyoRateBudget
{
    /// <summary>
    /// Completes when one request to <paramref name="endpoint"/> may be sent (a token of both of
    /// <paramref name="tier"/>'s windows is spent for it). Throws only for <paramref name="cancellationToken"/>.
    /// </summary>
    /// <param name="endpoint">The endpoint's path template, e.g. <c>/api/events</c>; each has its own budget.</param>
    /// <param name="tier">The endpoint's burst and steady limits (already chosen from <see cref="KlaviyoRateLimits"/>).</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    ValueTask AcquireAsync(string endpoint, KlaviyoRateTier tier, CancellationToken cancellationToken);

    /// <summary>Klaviyo answered 429: nobody may send to <paramref name="endpoint"/> until <paramref name="retryAfter"/> has passed (one burst window when Klaviyo did not say).</summary>
    void Throttled(string endpoint, KlaviyoRateTier tier, TimeSpan? retryAfter);

    /// <summary>Klaviyo's <c>RateLimit-Remaining</c> for <paramref name="endpoint"/>'s steady window: fewer than expected means someone else spends the same quota.</summary>
    void Observe(string endpoint, KlaviyoRateTier tier, int remaining);

    /// <summary>
    /// Klaviyo's <c>RateLimit-Remaining</c> together with its <c>RateLimit-Reset</c> (<paramref name="reset"/>: how long
    /// until the steady window ends, in whole seconds as Klaviyo sends it). Klaviyo counts fixed windows; a budget that
    /// learns where they start can fill each of them (see <c>docs/scale-out.md</c>). By default the reset is ignored.
    /// </summary>
    void Observe(string endpoint, KlaviyoRateTier tier, int remaining, TimeSpan reset) => Observe(endpoint, tier, remaining);
}
