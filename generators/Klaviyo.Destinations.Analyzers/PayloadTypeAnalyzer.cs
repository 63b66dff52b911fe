using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using Klaviyo.Destinations.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Klaviyo.Destinations.Analyzers;

/// <summary>
/// KLV2008: a generic payload call (<c>Identify&lt;T&gt;</c>, <c>Track&lt;T&gt;</c>, …) whose <c>T</c> nothing can map —
/// not a <c>[KlaviyoProfile]</c>/<c>[KlaviyoEvent]</c> model, not an anonymous object the generator intercepts
/// (<see cref="InterceptedCalls"/>), not a string-keyed object dictionary, <c>JsonElement</c> or <c>JsonObject</c>. The
/// runtime would reject every such call; this says so at compile time.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class PayloadTypeAnalyzer : DiagnosticAnalyzer
{
    private const string Alternatives = "pass an IReadOnlyDictionary<string, object?>, a JsonElement or a JsonObject";

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.PayloadWithoutMapper, DiagnosticDescriptors.PayloadThroughGenericHelper);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(static start =>
        {
            var known = KnownTypes.For(start.Compilation);
            if (known is null) return;
            var helpers = new GenericHelpers();
            start.RegisterOperationAction(c => Analyze(c, known, helpers), OperationKind.Invocation);
            start.RegisterCompilationEndAction(helpers.Report);
        });
    }

    private static void Analyze(OperationAnalysisContext context, KnownTypes known, GenericHelpers helpers)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var method = invocation.TargetMethod;
        helpers.Flows(method, context.Compilation.Assembly);
        if (InterceptedCalls.PayloadParameter(method, out var kind) is not { } parameter)
        {
            helpers.CallSite(invocation, known, context.Compilation.Assembly);
            return;
        }
        var type = method.TypeArguments[0];
        var reason = Reason(type, method, kind, known, out var fixable);
        if (reason is null) return;

        var argument = Argument(invocation, parameter);
        var location = argument?.Syntax.GetLocation() ?? invocation.Syntax.GetLocation();
        var properties = ImmutableDictionary<string, string?>.Empty;
        Location[]? additional = null;
        if (fixable && type is INamedTypeSymbol named && MemberLocations.Of(named) is { IsInSource: true } declaration)
        {
            additional = new[] { declaration };
            properties = properties.Add(DiagnosticDescriptors.AttributeProperty, kind == MapperKind.Profile ? "KlaviyoProfile" : "KlaviyoEvent");
            if (kind == MapperKind.Event)
                properties = properties.Add(DiagnosticDescriptors.EventNameProperty, EventName(invocation) ?? named.Name);
        }
        var display = type.IsAnonymousType ? "anonymous type" : type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);
        context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.PayloadWithoutMapper, location, additional, properties, display, method.Name, reason));
    }

    /// <summary>Null when the runtime can map <paramref name="type"/>; otherwise the end of the message (what to do).</summary>
    private static string? Reason(ITypeSymbol type, IMethodSymbol method, MapperKind kind, KnownTypes known, out bool fixable)
    {
        fixable = false;
        // Decided only at run time by the value's own type: say nothing rather than something wrong.
        if (type.TypeKind is TypeKind.TypeParameter or TypeKind.Interface or TypeKind.Dynamic or TypeKind.Error || type.SpecialType == SpecialType.System_Object)
            return null;
        if (type.IsAbstract || type.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T) return null;
        if (type is INamedTypeSymbol { IsAnonymousType: true } anonymous)
        {
            if (InterceptedCalls.NeedsDeclaredEventName(method))
                return "an anonymous object has no event name: pass one, Track(userId, \"Event Name\", new { … })";
            return InterceptedCalls.WhyNotInterceptable(anonymous) is { } why
                ? why + ", so the generator cannot map it; make the type visible to the assembly or " + Alternatives
                : null;
        }
        foreach (var attribute in type.GetAttributes())
            if (SymbolNames.IsMappingAttribute(attribute)) return null;
        if (known.IsMappable(type)) return null;

        fixable = type.TypeKind is TypeKind.Class or TypeKind.Struct && type.Locations.Length > 0 && type.Locations[0].IsInSource
            && type is INamedTypeSymbol n && TypeRules.CanGenerate(n);
        var annotate = kind == MapperKind.Profile ? "annotate it with [KlaviyoProfile]" : "annotate it with [KlaviyoEvent(\"Event Name\")]";
        return fixable ? annotate + " (the generator then maps it without reflection), or " + Alternatives : Alternatives;
    }

    private static IOperation? Argument(IInvocationOperation invocation, IParameterSymbol parameter)
    {
        foreach (var argument in invocation.Arguments)
            if (SymbolEqualityComparer.Default.Equals(argument.Parameter?.OriginalDefinition, parameter.OriginalDefinition)) return argument;
        return null;
    }

    private static string? EventName(IInvocationOperation invocation) =>
        AnalyticsCalls.Argument(invocation, "eventName") is { ConstantValue: { HasValue: true, Value: string name } } && TypeRules.IsValidEventName(name) ? name : null;

    /// <summary>
    /// KLV2012: a payload that reaches Analytics through a user's generic methods (<c>Send&lt;T&gt;(T payload) =>
    /// analytics.Track(id, "X", payload)</c>) and that nothing can map there. Inside the helper the payload's type is a type
    /// parameter, so the mapper is found at run time by the value's type: the generator registers one for every anonymous
    /// shape passed to such a helper (<see cref="GenericHelperFlows"/>, the rule it shares with this analyzer), models are
    /// found by their attribute, dictionaries and JSON by their type. What is left is reported: an unannotated class, an
    /// anonymous object the generator cannot map, or one handed to <c>Track(userId, payload)</c>, which has no event name.
    /// Collected from both ends — where each helper's type parameters go (any number of helper levels), and calls of generic
    /// source methods — and matched when the compilation ends (no walk over the compilation).
    /// </summary>
    private sealed class GenericHelpers
    {
        private readonly ConcurrentBag<HelperFlow> _flows = new();
        private readonly ConcurrentBag<(string Method, string Name, int Ordinal, ITypeSymbol Type, Location Location)> _calls = new();

        /// <summary>Where the type parameters of the method around this call go (when the call passes one on).</summary>
        public void Flows(IMethodSymbol invoked, IAssemblySymbol assembly)
        {
            if (GenericHelperFlows.Of(invoked, assembly) is not { } flows) return;
            foreach (var flow in flows) _flows.Add(flow);
        }

        /// <summary>A call of a generic method declared in source with an anonymous type argument, or one the runtime cannot map.</summary>
        public void CallSite(IInvocationOperation invocation, KnownTypes known, IAssemblySymbol assembly)
        {
            var method = invocation.TargetMethod;
            if (!GenericHelperFlows.IsSourceGeneric(method, assembly)) return;
            string? key = null;
            for (var i = 0; i < method.TypeArguments.Length; i++)
            {
                var type = method.TypeArguments[i];
                if (!type.IsAnonymousType && !Unmappable(type, known)) continue;
                var location = invocation.Syntax.GetLocation();
                foreach (var argument in invocation.Arguments)
                    if (argument.Parameter?.OriginalDefinition.Type is ITypeParameterSymbol { Ordinal: var ordinal } && ordinal == i && argument.ArgumentKind == ArgumentKind.Explicit)
                        location = argument.Syntax.GetLocation();
                _calls.Add((key ??= GenericHelperFlows.Key(method), method.Name, i, type, location));
            }
        }

        public void Report(CompilationAnalysisContext context)
        {
            if (_calls.IsEmpty) return;
            var reach = new Dictionary<(string, int), HelperReach>();
            foreach (var r in GenericHelperFlows.Close(_flows)) reach[(r.Helper, r.Ordinal)] = r;
            foreach (var (method, name, ordinal, type, location) in _calls)
            {
                if (!reach.TryGetValue((method, ordinal), out var target)) continue;
                string? reason;
                if (type is INamedTypeSymbol { IsAnonymousType: true } anonymous)
                {
                    reason = GenericHelperFlows.WhyNotRegistered(anonymous, target.Targets, context.Compilation);
                    if (reason is null) continue;
                }
                else
                {
                    var typeName = type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);
                    reason = "'" + typeName + "' is neither [KlaviyoProfile] nor [KlaviyoEvent], so no mapper is found by its type; annotate it, or " + Alternatives;
                }
                var display = type.IsAnonymousType ? "An anonymous object" : "'" + type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat) + "'";
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.PayloadThroughGenericHelper, location, display, name, target.AnalyticsMethod, reason));
            }
        }

        /// <summary>The types KLV2008 reports on a direct call (anonymous objects are decided by the generator's rule).</summary>
        private static bool Unmappable(ITypeSymbol type, KnownTypes known)
        {
            if (type.TypeKind is not (TypeKind.Class or TypeKind.Struct) || type.SpecialType == SpecialType.System_Object) return false;
            if (type.IsAbstract || type.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T) return false;
            foreach (var attribute in type.GetAttributes())
                if (SymbolNames.IsMappingAttribute(attribute)) return false;
            // Only types of this compilation: a framework type argument (List<int>, string) is rarely a payload.
            return type.Locations.Length > 0 && type.Locations[0].IsInSource && !known.IsMappable(type);
        }
    }

    private sealed class KnownTypes
    {
        private readonly INamedTypeSymbol _readOnlyDictionary;
        private readonly INamedTypeSymbol _dictionary;
        private readonly INamedTypeSymbol? _jsonElement;
        private readonly INamedTypeSymbol? _jsonObject;
        private readonly INamedTypeSymbol? _payload;
        private readonly ITypeSymbol _string;
        private readonly ITypeSymbol _object;

        private KnownTypes(Compilation compilation, INamedTypeSymbol readOnlyDictionary, INamedTypeSymbol dictionary)
        {
            _readOnlyDictionary = readOnlyDictionary;
            _dictionary = dictionary;
            _jsonElement = compilation.GetTypeByMetadataName("System.Text.Json.JsonElement");
            _jsonObject = compilation.GetTypeByMetadataName("System.Text.Json.Nodes.JsonObject");
            _payload = compilation.GetTypeByMetadataName("Klaviyo.Destinations.MessagePayload");
            _string = compilation.GetSpecialType(SpecialType.System_String);
            _object = compilation.GetSpecialType(SpecialType.System_Object);
        }

        public static KnownTypes? For(Compilation compilation)
        {
            if (compilation.GetTypeByMetadataName(KnownNames.Analytics) is null) return null;
            var readOnly = compilation.GetTypeByMetadataName("System.Collections.Generic.IReadOnlyDictionary`2");
            var dictionary = compilation.GetTypeByMetadataName("System.Collections.Generic.IDictionary`2");
            return readOnly is null || dictionary is null ? null : new KnownTypes(compilation, readOnly, dictionary);
        }

        /// <summary>The shapes <c>MessagePayload.From</c> accepts besides generated models.</summary>
        public bool IsMappable(ITypeSymbol type)
        {
            for (var t = type; t is not null; t = t.BaseType)
                if (Is(t, _jsonElement) || Is(t, _jsonObject) || Is(t, _payload)) return true;
            foreach (var candidate in type.AllInterfaces)
            {
                var definition = candidate.OriginalDefinition;
                if ((Is(definition, _readOnlyDictionary) || Is(definition, _dictionary))
                    && SymbolEqualityComparer.Default.Equals(candidate.TypeArguments[0], _string)
                    && SymbolEqualityComparer.Default.Equals(candidate.TypeArguments[1], _object))
                    return true;
            }
            return false;
        }

        private static bool Is(ITypeSymbol type, INamedTypeSymbol? known) => known is not null && SymbolEqualityComparer.Default.Equals(type, known);
    }
}
