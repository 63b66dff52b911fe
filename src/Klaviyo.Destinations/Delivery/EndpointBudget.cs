namespace Klaviyo.Destinations;

/// <summary>What <see cref="KlaviyoTransport"/> needs from one endpoint's budget: a local <see cref="TokenBucket"/> or a share of an <see cref="IKlaviyoRateBudget"/>.</summary>
internal interface IEndpointBudget
{
    /// <summary>Waits for a slot; returns it (0 when the budget does not track requests in flight).</summary>
    ValueTask<long> AcquireSlotAsync(CancellationToken cancellationToken);

    /// <summary>The request of <paramref name="slot"/> is over; <paramref name="counted"/> is false for a 429 (see <see cref="IKlaviyoRateBudget.Finished"/>).</summary>
    void Finished(long slot, bool counted);

    void Throttled(TimeSpan? retryAfter);

    void Observe(int remaining, TimeSpan? reset);
}

/// <summary>One endpoint of a user-supplied <see cref="IKlaviyoRateBudget"/> (e.g. one kept in Redis for all replicas).</summary>
internal sealed class SharedEndpointBudget(IKlaviyoRateBudget budget, string endpoint, KlaviyoRateTier tier) : IEndpointBudget
{
    public ValueTask<long> AcquireSlotAsync(CancellationToken cancellationToken) => budget.AcquireSlotAsync(endpoint, tier, cancellationToken);

    public void Finished(long slot, bool counted)
    {
        if (slot != 0) budget.Finished(endpoint, tier, slot, counted);
    }

    public void Throttled(TimeSpan? retryAfter) => budget.Throttled(endpoint, tier, retryAfter);

    public void Observe(int remaining, TimeSpan? reset)
    {
        if (reset is { } untilReset) budget.Observe(endpoint, tier, remaining, untilReset);
        else budget.Observe(endpoint, tier, remaining);
    }
}
