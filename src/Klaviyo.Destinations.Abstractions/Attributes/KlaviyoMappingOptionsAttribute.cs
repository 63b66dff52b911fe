using System;

namespace Klaviyo.Destinations;

/// <summary>Assembly-wide mapping options: <c>[assembly: KlaviyoMappingOptions(UnmappedTraits = UnmappedTraitHandling.Error)]</c>.</summary>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = false)]
public sealed class KlaviyoMappingOptionsAttribute : Attribute
{
    /// <summary>What happens to unmapped members. Default: <see cref="UnmappedTraitHandling.SendAsCustomProperty"/>.</summary>
    public UnmappedTraitHandling UnmappedTraits { get; set; }

    /// <summary>
    /// How property names taken from C# member names are spelled, at every depth. Default:
    /// <see cref="Destinations.PropertyNaming.AsDeclared"/>. Explicit names and the mapping tables' keys are never changed.
    /// </summary>
    public PropertyNaming PropertyNaming { get; set; }
}
