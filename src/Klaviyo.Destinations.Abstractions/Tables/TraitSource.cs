namespace Klaviyo.Destinations;

/// <summary>Which public integration documents a table entry (for docs and diagnostics; flags combine).</summary>
[System.Flags]
public enum TraitSource
{
    /// <summary>Not from a public spec: a Klaviyo attribute name or an alias of ours.</summary>
    Klaviyo = 0,
    /// <summary>Segment's identify/track spec and its Klaviyo destination.</summary>
    Segment = 1,
    /// <summary>mParticle's Klaviyo integration (<c>$</c>-prefixed user attributes).</summary>
    MParticle = 2,
    /// <summary>Amperity's Klaviyo customer profile parameters.</summary>
    Amperity = 4,
}
