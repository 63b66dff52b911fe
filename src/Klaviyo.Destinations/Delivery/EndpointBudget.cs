namespace Klaviyo.Destinations;

/// <summary>What <see cref="KlaviyoTransport"/> needs from one endpoint's budget: a local <see cref="TokenBucket"/> or a share of an <see cref="IKlaviyoRateBudget"/>.</summary>
internal interface IEndpointBudget
{
    ValueTask AcquireAsync(CancellationToken cancellationToken);

    void Throttled(TimeSpan? retryAfter);

    void Observe(int remaining, TimeSpan? reset);
}

/// <summary>One endpoint of a user-supplied <see cref="IKlaviyoRateBudget"/> (e.g. one kept in Redis for all replicas).</summary>
internal sealed class SharedEndpointBudget(IKlaviyoRateBudget budget, string endpoint, KlaviyoRateTier tier) : IEndpointBudget
{
    public ValueTask AcquireAsync(CancellationToken cancellationToken) => budget.AcquireAsync(endpoint, tier, cancellationToken);

    public void Throttled(TimeSpan? retryAfter) => budget.Throttled(endpoint, tier, retryAfter);

    public void Observe(int remaining, TimeSpan? reset)
    {
        if (reset is { } untilReset) budget.Observe(endpoint, tier, remaining, untilReset);
        else budget.Observe(endpoint, tier, remaining);
    }
}
