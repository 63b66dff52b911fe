using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace Klaviyo.Destinations.Generators;

/// <summary>
/// The one place that decides which <c>Analytics</c> calls take a generic payload, which of them the generator
/// intercepts (an anonymous-object payload whose every member type the generated code can name), and what the payload
/// is mapped as. Shared by the interceptor pipeline (what to emit) and the analyzers (KLV2001 on anonymous members,
/// KLV2008 on payloads nothing can map), so both always agree.
/// </summary>
internal static class InterceptedCalls
{
    /// <summary>Method names of <c>Analytics</c> with a generic payload parameter, and whether the payload is a profile.</summary>
    private static readonly Dictionary<string, MapperKind> s_methods = new(System.StringComparer.Ordinal)
    {
        ["Identify"] = MapperKind.Profile,
        ["IdentifyAsync"] = MapperKind.Profile,
        ["AudienceEntered"] = MapperKind.Profile,
        ["AudienceExited"] = MapperKind.Profile,
        ["Track"] = MapperKind.Event,
        ["TrackAsync"] = MapperKind.Event,
        ["Page"] = MapperKind.Event,
        ["Screen"] = MapperKind.Event,
    };

    /// <summary>Cheap syntax test: a method name that may be one of the calls (the semantic check follows).</summary>
    public static bool IsCandidateName(string name) => s_methods.ContainsKey(name);

    /// <summary>
    /// The payload parameter of a call to a generic payload method of <c>Klaviyo.Destinations.Analytics</c> (the
    /// parameter typed by the method's type parameter), with what it is mapped as; null for any other method.
    /// </summary>
    public static IParameterSymbol? PayloadParameter(IMethodSymbol method, out MapperKind kind)
    {
        kind = default;
        if (method.IsStatic || method.TypeArguments.Length != 1 || !s_methods.TryGetValue(method.Name, out kind)) return null;
        if (method.ContainingType is not { Name: "Analytics", ContainingNamespace: { Name: "Destinations", ContainingNamespace: { Name: "Klaviyo", ContainingNamespace.IsGlobalNamespace: true } } })
            return null;
        var definition = method.OriginalDefinition;
        for (var i = 0; i < definition.Parameters.Length; i++)
            if (definition.Parameters[i].Type is ITypeParameterSymbol) return method.Parameters[i];
        return null;
    }

    /// <summary>
    /// True when a call needs an event name from the payload type (<c>Track(userId, model)</c>): only a
    /// <c>[KlaviyoEvent("Name")]</c> model has one, so an anonymous payload cannot be intercepted there.
    /// </summary>
    public static bool NeedsDeclaredEventName(IMethodSymbol method) =>
        method.Name is "Track" or "TrackAsync" && !HasParameter(method, "eventName");

    private static bool HasParameter(IMethodSymbol method, string name)
    {
        foreach (var p in method.Parameters)
            if (p.Name == name) return true;
        return false;
    }

    /// <summary>
    /// Null when <paramref name="type"/> is an anonymous type the generator can intercept; otherwise why not (the first
    /// member whose type generated code cannot name: a private or file-local type, a type parameter, a pointer…).
    /// </summary>
    public static string? WhyNotInterceptable(INamedTypeSymbol type) => WhyNot(type, type.Name, 0);

    private static string? WhyNot(ITypeSymbol type, string path, int depth)
    {
        if (depth > 8) return "'" + path + "' is nested too deeply";
        switch (type)
        {
            case INamedTypeSymbol { IsAnonymousType: true } anonymous:
                foreach (var member in anonymous.GetMembers())
                    if (member is IPropertySymbol property && WhyNot(property.Type, property.Name, depth + 1) is { } reason) return reason;
                return null;
            case IArrayTypeSymbol array:
                return WhyNot(array.ElementType, path, depth + 1);
            case INamedTypeSymbol named:
                if (named.IsFileLocal) return "the type of '" + path + "' is file-local";
                if (TypeRules.FirstInaccessible(named) is { } hidden) return "the type of '" + path + "' (" + hidden.Name + ") is not visible to generated code";
                foreach (var argument in named.TypeArguments)
                    if (WhyNot(argument, path, depth + 1) is { } reason) return reason;
                return null;
            default:
                return "the type of '" + path + "' cannot be named by generated code";
        }
    }

    /// <summary>True when a call passes an anonymous object that the generator intercepts.</summary>
    public static bool IsIntercepted(IMethodSymbol method) =>
        PayloadParameter(method, out _) is not null && !NeedsDeclaredEventName(method)
        && method.TypeArguments[0] is INamedTypeSymbol { IsAnonymousType: true } type && WhyNotInterceptable(type) is null;

    /// <summary>Where a member of an intercepted anonymous payload sits: what its name is matched against.</summary>
    public enum MemberPlace
    {
        Profile,
        Address,
        Event,
    }

    /// <summary>
    /// True when the member name of an intercepted anonymous object maps by convention, as a model member's name does
    /// (<see cref="MemberClassifier"/>: case, <c>_</c> and <c>-</c> ignored): <c>Email</c>, <c>OrderId</c>, <c>Timezone</c>.
    /// </summary>
    public static bool IsConventionalMemberName(string name, MemberPlace place)
    {
        var normalized = MappingLookups.Normalize(name);
        return place switch
        {
            MemberPlace.Profile => MappingLookups.ProfileByConvention.ContainsKey(normalized)
                || normalized == KlaviyoMappingTables.AddressKey || normalized == KlaviyoMappingTables.CompanyKey,
            MemberPlace.Address => MappingLookups.AddressByConvention.ContainsKey(normalized),
            _ => MappingLookups.EventFieldsByConvention.ContainsKey(normalized) || MappingLookups.EcommerceByConvention.ContainsKey(normalized),
        };
    }
}
