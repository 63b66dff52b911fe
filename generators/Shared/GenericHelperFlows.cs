using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace Klaviyo.Destinations.Generators;

/// <summary>What an Analytics payload that arrives as a helper's type parameter is mapped as.</summary>
[Flags]
internal enum HelperTargets
{
    None = 0,

    /// <summary>Identify/IdentifyAsync/AudienceEntered/AudienceExited: a profile.</summary>
    Profile = 1,

    /// <summary>Track with an event name, TrackAsync, Page, Screen: an event.</summary>
    Event = 2,

    /// <summary><c>Track(userId, payload)</c>: the event name must come from a <c>[KlaviyoEvent]</c> model.</summary>
    EventWithoutName = 4,
}

/// <summary>
/// One step of a payload through a user's generic method: its type parameter <see cref="Ordinal"/> is passed straight to
/// an Analytics payload (<see cref="Target"/>), or on to another generic method of the compilation (<see cref="Callee"/>,
/// as that method's type parameter <see cref="CalleeOrdinal"/>). Value-equatable: used as a generator pipeline model.
/// </summary>
internal sealed record HelperFlow(string Helper, int Ordinal, HelperTargets Target, string AnalyticsMethod, string? Callee, int CalleeOrdinal);

/// <summary>Where one type parameter of a helper ends up: every target reached, and the first Analytics method (for messages).</summary>
internal sealed record HelperReach(string Helper, int Ordinal, HelperTargets Targets, string AnalyticsMethod);

/// <summary>
/// The one rule for payloads that reach Analytics through a user's generic methods (<c>Send&lt;T&gt;(T p) =>
/// analytics.Track(id, "X", p)</c>), shared by the generator (which registers a mapper for each anonymous shape passed to
/// such a helper) and <c>PayloadTypeAnalyzer</c> (KLV2012 where no mapper can exist), so both always agree.
/// </summary>
internal static class GenericHelperFlows
{
    /// <summary>A stable, symbol-free name for a method definition.</summary>
    public static string Key(IMethodSymbol method)
    {
        var definition = (method.ReducedFrom ?? method).OriginalDefinition;
        return definition.GetDocumentationCommentId()
            ?? (definition.ContainingSymbol?.GetDocumentationCommentId() ?? "") + "/" + definition.ToDisplayString();
    }

    /// <summary>True when <paramref name="invoked"/> is a generic method declared in <paramref name="assembly"/>'s source (a possible helper).</summary>
    public static bool IsSourceGeneric(IMethodSymbol invoked, IAssemblySymbol assembly)
    {
        if (!invoked.IsGenericMethod) return false;
        var definition = (invoked.ReducedFrom ?? invoked).OriginalDefinition;
        return SymbolEqualityComparer.Default.Equals(definition.ContainingAssembly, assembly)
            && definition.Locations.Length > 0 && definition.Locations[0].IsInSource;
    }

    /// <summary>
    /// What a call written inside a generic method says about where that method's type parameters go: nothing, one
    /// Analytics payload flow, or one flow per type argument that is a type parameter of the enclosing method.
    /// </summary>
    public static List<HelperFlow>? Of(IMethodSymbol invoked, IAssemblySymbol assembly)
    {
        if (InterceptedCalls.PayloadParameter(invoked, out var kind) is not null)
        {
            if (invoked.TypeArguments[0] is not ITypeParameterSymbol { TypeParameterKind: TypeParameterKind.Method, DeclaringMethod: { } helper } parameter)
                return null;
            var target = kind == MapperKind.Profile ? HelperTargets.Profile
                : InterceptedCalls.NeedsDeclaredEventName(invoked) ? HelperTargets.EventWithoutName : HelperTargets.Event;
            return new List<HelperFlow> { new(Key(helper), parameter.Ordinal, target, invoked.Name, null, 0) };
        }
        if (!IsSourceGeneric(invoked, assembly)) return null;
        List<HelperFlow>? flows = null;
        var callee = Key(invoked);
        for (var i = 0; i < invoked.TypeArguments.Length; i++)
        {
            if (invoked.TypeArguments[i] is ITypeParameterSymbol { TypeParameterKind: TypeParameterKind.Method, DeclaringMethod: { } helper } parameter)
                (flows ??= new List<HelperFlow>()).Add(new HelperFlow(Key(helper), parameter.Ordinal, HelperTargets.None, "", callee, i));
        }
        return flows;
    }

    /// <summary>
    /// Follows the flows from every helper type parameter (any number of helper levels; cycles end) and returns, sorted,
    /// each one that reaches an Analytics payload.
    /// </summary>
    public static List<HelperReach> Close(IEnumerable<HelperFlow> flows)
    {
        var edges = new Dictionary<(string, int), List<HelperFlow>>();
        foreach (var flow in flows)
        {
            if (!edges.TryGetValue((flow.Helper, flow.Ordinal), out var list)) edges[(flow.Helper, flow.Ordinal)] = list = new List<HelperFlow>();
            list.Add(flow);
        }
        var keys = new List<(string Helper, int Ordinal)>(edges.Keys);
        keys.Sort(static (a, b) => a.Helper == b.Helper ? a.Ordinal.CompareTo(b.Ordinal) : string.CompareOrdinal(a.Helper, b.Helper));
        foreach (var list in edges.Values)
            list.Sort(static (a, b) => string.CompareOrdinal(a.AnalyticsMethod + "|" + a.Callee + "|" + a.CalleeOrdinal, b.AnalyticsMethod + "|" + b.Callee + "|" + b.CalleeOrdinal));

        var result = new List<HelperReach>();
        foreach (var start in keys)
        {
            var targets = HelperTargets.None;
            string? first = null;
            var seen = new HashSet<(string, int)> { start };
            var queue = new Queue<(string, int)>();
            queue.Enqueue(start);
            while (queue.Count > 0)
            {
                if (!edges.TryGetValue(queue.Dequeue(), out var list)) continue;
                foreach (var flow in list)
                {
                    if (flow.Callee is null)
                    {
                        targets |= flow.Target;
                        first ??= flow.AnalyticsMethod;
                    }
                    else if (seen.Add((flow.Callee, flow.CalleeOrdinal)))
                    {
                        queue.Enqueue((flow.Callee, flow.CalleeOrdinal));
                    }
                }
            }
            if (targets != HelperTargets.None) result.Add(new HelperReach(start.Helper, start.Ordinal, targets, first!));
        }
        return result;
    }

    /// <summary>
    /// Null when the generator registers a mapper for <paramref name="anonymous"/> passed to a helper that reaches
    /// <paramref name="targets"/>; otherwise why no mapper can exist (the end of KLV2012's message).
    /// </summary>
    public static string? WhyNotRegistered(INamedTypeSymbol anonymous, HelperTargets targets, Compilation compilation)
    {
        if ((targets & HelperTargets.EventWithoutName) != 0)
            return "Track(userId, payload) takes the event name from a [KlaviyoEvent] model and an anonymous object has none; pass the name in the helper, Track(userId, \"Event Name\", payload)";
        if (InterceptedCalls.WhyNotInterceptable(anonymous) is { } why)
            return why + ", so the generator cannot write a mapper for it; make the type visible to the assembly, or pass an IReadOnlyDictionary<string, object?>";
        if (!HasModuleInitializer(compilation))
            return "this target framework has no module initializers, so the generator cannot register a mapper for it; pass an IReadOnlyDictionary<string, object?>";
        return null;
    }

    /// <summary>True when generated code can register mappers from a <c>[ModuleInitializer]</c>.</summary>
    public static bool HasModuleInitializer(Compilation compilation) =>
        compilation.GetTypeByMetadataName("System.Runtime.CompilerServices.ModuleInitializerAttribute") is not null;
}
