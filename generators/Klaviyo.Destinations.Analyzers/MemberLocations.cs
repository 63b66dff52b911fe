using Microsoft.CodeAnalysis;

namespace Klaviyo.Destinations.Analyzers;

/// <summary>Where to put a diagnostic about a symbol: its name in source (the parameter of a positional record).</summary>
internal static class MemberLocations
{
    /// <summary>The symbol's first source location, or <paramref name="fallback"/> (e.g. for members inherited from metadata).</summary>
    public static Location Of(ISymbol symbol, Location? fallback = null)
    {
        foreach (var location in symbol.Locations)
            if (location.IsInSource) return location;
        return fallback ?? Location.None;
    }
}
