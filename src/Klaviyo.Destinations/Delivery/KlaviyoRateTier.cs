namespace Klaviyo.Destinations;

/// <summary>
/// One of Klaviyo's rate tiers: a burst limit per second and a steady limit per minute, both enforced by Klaviyo at
/// once (a request over either is answered 429). Values come from the <c>x-klaviyo-ratelimit</c> entries of the spec.
/// </summary>
public sealed class KlaviyoRateTier
{
    /// <summary>Creates a tier of 10/s and 150/m (Klaviyo's "M" tier).</summary>
    public KlaviyoRateTier() : this(10, 150) { }

    /// <summary>Creates a tier.</summary>
    /// <param name="perSecond">Burst limit: requests per second.</param>
    /// <param name="perMinute">Steady limit: requests per minute.</param>
    public KlaviyoRateTier(int perSecond, int perMinute)
    {
        PerSecond = perSecond;
        PerMinute = perMinute;
    }

    /// <summary>Burst limit: requests per second.</summary>
    public int PerSecond { get; set; }

    /// <summary>Steady limit: requests per minute.</summary>
    public int PerMinute { get; set; }

    /// <inheritdoc />
    public override string ToString() => $"{PerSecond}/s, {PerMinute}/m";
}
