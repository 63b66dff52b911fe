using System;

namespace Klaviyo.Destinations;

/// <summary>Assembly-wide mapping options: <c>[assembly: KlaviyoMappingOptions(UnmappedTraits = UnmappedTraitHandling.Error)]</c>.</summary>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = false)]
public sealed class KlaviyoMappingOptionsAttribute : Attribute
{
    /// <summary>What happens to unmapped members. Default: <see cref="UnmappedTraitHandling.SendAsCustomProperty"/>.</summary>
    public UnmappedTraitHandling UnmappedTraits { get; set; }
}
