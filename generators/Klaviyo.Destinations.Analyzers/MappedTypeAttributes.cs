using System.Collections.Generic;
using Klaviyo.Destinations.Generators;
using Microsoft.CodeAnalysis;

namespace Klaviyo.Destinations.Analyzers;

/// <summary>The <c>[KlaviyoProfile]</c>/<c>[KlaviyoEvent]</c> attribute classes of one compilation.</summary>
internal sealed class MappedTypeAttributes
{
    private readonly INamedTypeSymbol? _profile;
    private readonly INamedTypeSymbol? _event;

    private MappedTypeAttributes(INamedTypeSymbol? profile, INamedTypeSymbol? @event)
    {
        _profile = profile;
        _event = @event;
    }

    /// <summary>Null when the compilation does not reference Klaviyo.Destinations (nothing to analyse).</summary>
    public static MappedTypeAttributes? For(Compilation compilation)
    {
        var profile = compilation.GetTypeByMetadataName(KnownNames.KlaviyoProfileAttribute);
        var @event = compilation.GetTypeByMetadataName(KnownNames.KlaviyoEventAttribute);
        return profile is null && @event is null ? null : new MappedTypeAttributes(profile, @event);
    }

    /// <summary>Each mapping attribute on <paramref name="type"/> with the kind of mapper it asks for.</summary>
    public IEnumerable<(MapperKind Kind, AttributeData Attribute)> On(INamedTypeSymbol type)
    {
        foreach (var attribute in type.GetAttributes())
        {
            if (attribute.AttributeClass is null) continue;
            if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, _profile)) yield return (MapperKind.Profile, attribute);
            else if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, _event)) yield return (MapperKind.Event, attribute);
        }
    }

    /// <summary>The event name written in <c>[KlaviyoEvent("…")]</c>, or null.</summary>
    public static string? EventName(AttributeData attribute) =>
        attribute.ConstructorArguments.Length == 1 ? attribute.ConstructorArguments[0].Value as string : null;

    /// <summary><c>KlaviyoProfile</c> or <c>KlaviyoEvent</c>, as written in messages.</summary>
    public static string ShortName(MapperKind kind) => kind == MapperKind.Profile ? "KlaviyoProfile" : "KlaviyoEvent";
}
