namespace Klaviyo.Destinations;

/// <summary>One <see cref="TokenBucket"/> per Klaviyo endpoint, from <see cref="KlaviyoDestinationOptions.RateLimits"/>.</summary>
internal sealed class RateBudgets
{
    private readonly TokenBucket[] _buckets;

    public RateBudgets(KlaviyoRateLimits limits, double timeScale, TimeProvider time)
    {
        _buckets = Enum.GetValues<KlaviyoEndpoint>().Select(e => new TokenBucket(limits.For(e), timeScale, time)).ToArray();
    }

    public TokenBucket this[KlaviyoEndpoint endpoint] => _buckets[(int)endpoint];
}
