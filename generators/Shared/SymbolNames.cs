using Microsoft.CodeAnalysis;

namespace Klaviyo.Destinations.Generators;

/// <summary>
/// Allocation-free name tests for well-known types. The analyzers run on every build over every member of every mapped
/// type; a display string per attribute or per member type (<c>ToDisplayString()</c>) was most of what they allocated.
/// </summary>
internal static class SymbolNames
{
    public const string KlaviyoNamespace = "Klaviyo.Destinations";
    public const string SystemNamespace = "System";
    public const string GenericCollectionsNamespace = "System.Collections.Generic";
    public const string JsonSerializationNamespace = "System.Text.Json.Serialization";

    /// <summary>True when <paramref name="symbol"/> is declared directly in the namespace <paramref name="dotted"/> (e.g. <c>System.Text.Json</c>).</summary>
    public static bool IsInNamespace(ISymbol symbol, string dotted)
    {
        var ns = symbol.ContainingNamespace;
        var end = dotted.Length;
        while (true)
        {
            if (ns is null || ns.IsGlobalNamespace) return false;
            var name = ns.Name;
            var start = end - name.Length;
            if (start < 0 || string.CompareOrdinal(dotted, start, name, 0, name.Length) != 0) return false;
            ns = ns.ContainingNamespace;
            if (start == 0) return ns is null || ns.IsGlobalNamespace;
            if (dotted[start - 1] != '.') return false;
            end = start - 1;
        }
    }

    /// <summary>True when <paramref name="type"/> is the top-level type <paramref name="name"/> of namespace <paramref name="dotted"/> (any arity).</summary>
    public static bool Is(ITypeSymbol? type, string dotted, string name) =>
        type is not null && type.ContainingType is null && type.Name == name && IsInNamespace(type, dotted);

    /// <summary>The short name of a <c>Klaviyo.Destinations</c> attribute class (e.g. <c>NotMappedAttribute</c>), else null.</summary>
    public static string? KlaviyoAttributeName(AttributeData attribute) =>
        attribute.AttributeClass is { ContainingType: null } type && IsInNamespace(type, KlaviyoNamespace) ? type.Name : null;

    /// <summary>True for <c>[KlaviyoProfile]</c> or <c>[KlaviyoEvent]</c>.</summary>
    public static bool IsMappingAttribute(AttributeData attribute) =>
        KlaviyoAttributeName(attribute) is KnownNames.KlaviyoProfileAttributeName or KnownNames.KlaviyoEventAttributeName;

    /// <summary>True when <paramref name="type"/> is <c>IDictionary&lt;,&gt;</c> or <c>IReadOnlyDictionary&lt;,&gt;</c> (constructed or not).</summary>
    public static bool IsGenericDictionaryInterface(INamedTypeSymbol type) =>
        type.Arity == 2 && type.ContainingType is null && type.Name is "IDictionary" or "IReadOnlyDictionary"
        && IsInNamespace(type, GenericCollectionsNamespace);
}
