namespace Klaviyo.Destinations;

/// <summary>
/// One budget per Klaviyo endpoint, from <see cref="KlaviyoDestinationOptions.RateLimits"/>: a local
/// <see cref="TokenBucket"/>, or the endpoint's share of <see cref="KlaviyoDestinationOptions.UseRateBudget"/> when one is set.
/// </summary>
internal sealed class RateBudgets
{
    private readonly IEndpointBudget[] _buckets;

    public RateBudgets(KlaviyoRateLimits limits, double timeScale, TimeProvider time, IKlaviyoRateBudget? shared = null)
    {
        _buckets = Enum.GetValues<KlaviyoEndpoint>()
            .Select(e => shared is null
                ? (IEndpointBudget)new TokenBucket(limits.For(e), timeScale, time)
                : new SharedEndpointBudget(shared, KlaviyoTransport.Name(e), limits.For(e)))
            .ToArray();
    }

    public IEndpointBudget this[KlaviyoEndpoint endpoint] => _buckets[(int)endpoint];
}
