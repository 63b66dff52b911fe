using Microsoft.CodeAnalysis;

namespace Klaviyo.Destinations.Generators;

/// <summary>Type-level rules shared by the generator (skip) and the analyzers (report).</summary>
internal static class TypeRules
{
    public static bool CanGenerate(INamedTypeSymbol type) => !type.IsAbstract && !IsGeneric(type) && IsAccessible(type);

    public static bool IsGeneric(INamedTypeSymbol type)
    {
        for (var t = type; t is not null; t = t.ContainingType)
            if (t.IsGenericType) return true;
        return false;
    }

    public static bool IsAccessible(INamedTypeSymbol type) => FirstInaccessible(type) is null;

    /// <summary>The type itself or the innermost containing type that the generated mapper cannot see, or null.</summary>
    public static INamedTypeSymbol? FirstInaccessible(INamedTypeSymbol type)
    {
        for (var t = type; t is not null; t = t.ContainingType)
            if (t.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal)) return t;
        return null;
    }

    public static bool IsValidEventName(string? name) =>
        name is not null && name.Trim().Length > 0 && name.Length <= KlaviyoLimits.MaxMetricNameLength;

    /// <summary>The type's name with its containing types, e.g. <c>Outer.Inner</c>.</summary>
    public static string NestedName(INamedTypeSymbol type)
    {
        var name = type.Name;
        for (var t = type.ContainingType; t is not null; t = t.ContainingType) name = t.Name + "." + name;
        return name;
    }
}
