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

    /// <summary>
    /// Like <see cref="AcquireAsync"/>, and names the slot spent for the request, so that the budget can count the
    /// request as in flight until <see cref="Finished"/> says it is over. Klaviyo counts a request when it arrives, which
    /// can be long after its slot was taken (a new connection, a cold process, a busy machine): a budget that counts a
    /// slot only from the moment it was taken lets such a late request land in a window that is already full. The
    /// sender calls <see cref="Finished"/> exactly once for every slot this returns, whatever happened to the request.
    /// By default this is <see cref="AcquireAsync"/> and the slot is 0 (not tracked).
    /// </summary>
    /// <param name="endpoint">The endpoint's path template, e.g. <c>/api/events</c>; each has its own budget.</param>
    /// <param name="tier">The endpoint's burst and steady limits (already chosen from <see cref="KlaviyoRateLimits"/>).</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The slot spent, to hand to <see cref="Finished"/>; 0 when the budget does not track it.</returns>
    async ValueTask<long> AcquireSlotAsync(string endpoint, KlaviyoRateTier tier, CancellationToken cancellationToken)
    {
        await AcquireAsync(endpoint, tier, cancellationToken).ConfigureAwait(false);
        return 0;
    }

    /// <summary>
    /// The request that spent <paramref name="slot"/> (from <see cref="AcquireSlotAsync"/>) is over: answered, failed
    /// without an answer, or cancelled. A budget that tracks requests in flight counts it from now on as having reached
    /// Klaviyo no later than now; when <paramref name="counted"/> is false (Klaviyo answered 429, and it does not count a
    /// refused request) the slot is given back. Called after <see cref="Throttled"/> and <see cref="Observe(string, KlaviyoRateTier, int)"/>
    /// for the same answer. Never throws. By default nothing happens.
    /// </summary>
    /// <param name="endpoint">The endpoint the slot was taken for.</param>
    /// <param name="tier">The endpoint's tier, as given to <see cref="AcquireSlotAsync"/>.</param>
    /// <param name="slot">The slot <see cref="AcquireSlotAsync"/> returned (0: nothing to do).</param>
    /// <param name="counted">False when Klaviyo refused the request with 429; true otherwise, also when no answer came (it may have arrived).</param>
    void Finished(string endpoint, KlaviyoRateTier tier, long slot, bool counted)
    {
    }

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
