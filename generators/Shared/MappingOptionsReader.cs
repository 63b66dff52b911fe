using System.Linq;
using Microsoft.CodeAnalysis;

namespace Klaviyo.Destinations.Generators;

/// <summary>Reads <c>[assembly: KlaviyoMappingOptions]</c>; the generator and the analyzers must read it the same way.</summary>
internal static class MappingOptionsReader
{
    public static PropertyNaming ReadPropertyNaming(Compilation compilation)
    {
        var naming = PropertyNaming.AsDeclared;
        var attribute = compilation.Assembly.GetAttributes()
            .FirstOrDefault(a => SymbolNames.KlaviyoAttributeName(a) == KnownNames.KlaviyoMappingOptionsAttributeName);
        if (attribute is not null)
            foreach (var named in attribute.NamedArguments)
                if (named.Key == "PropertyNaming" && named.Value.Value is int value) naming = (PropertyNaming)value;
        return naming;
    }

    public static UnmappedTraitHandling ReadUnmappedTraits(Compilation compilation)
    {
        var handling = UnmappedTraitHandling.SendAsCustomProperty;
        var attribute = compilation.Assembly.GetAttributes()
            .FirstOrDefault(a => SymbolNames.KlaviyoAttributeName(a) == KnownNames.KlaviyoMappingOptionsAttributeName);
        if (attribute is not null)
            foreach (var named in attribute.NamedArguments)
                if (named.Key == "UnmappedTraits" && named.Value.Value is int value) handling = (UnmappedTraitHandling)value;
        return handling;
    }
}
