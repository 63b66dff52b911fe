using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Linq;
using Klaviyo.Destinations.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Klaviyo.Destinations.Analyzers;

/// <summary>
/// KLV2009: <c>analytics.Identify(userId, model)</c> where the <c>[KlaviyoProfile]</c> model also maps a member to
/// <c>external_id</c>. The runtime sends the call's userId (one rule for Identify and Track, so they reach one profile)
/// and reports a different model value; the diagnostic asks the user to say which one names the person. Silent when
/// the userId argument is that very member (<c>Identify(c.ExternalId, c)</c>) or null. Classification is cached per
/// model type for the compilation.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ExternalIdCallAnalyzer : DiagnosticAnalyzer
{
    private const string UserIdParameter = "userId";
    private const string TraitsParameter = "traits";

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.ConflictingExternalId);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(static start =>
        {
            var analytics = start.Compilation.GetTypeByMetadataName(KnownNames.Analytics);
            var attributes = MappedTypeAttributes.For(start.Compilation);
            if (analytics is null || attributes is null) return;
            var cache = new ConcurrentDictionary<ITypeSymbol, ISymbol?>(SymbolEqualityComparer.Default);
            start.RegisterOperationAction(c => Analyze(c, analytics, attributes, cache), OperationKind.Invocation);
        });
    }

    private static void Analyze(OperationAnalysisContext context, INamedTypeSymbol analytics, MappedTypeAttributes attributes, ConcurrentDictionary<ITypeSymbol, ISymbol?> cache)
    {
        var invocation = (IInvocationOperation)context.Operation;
        if (AnalyticsCalls.Method(invocation, analytics) is not { Name: "Identify" or "IdentifyAsync" }) return;
        if (AnalyticsCalls.Argument(invocation, UserIdParameter) is not { } userId || userId.ConstantValue is { HasValue: true, Value: null }) return;
        if (AnalyticsCalls.Argument(invocation, TraitsParameter) is not { Type: INamedTypeSymbol modelType } model) return;

        var member = cache.GetOrAdd(modelType, t => ExternalIdMember(context.Compilation, (INamedTypeSymbol)t, attributes));
        if (member is null || Names(userId, member)) return;

        var receiver = model.Syntax.ToString();
        context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ConflictingExternalId, userId.Syntax.GetLocation(),
            TypeRules.NestedName(modelType), member.Name, receiver.Length <= 40 ? receiver + "." + member.Name : member.Name));
    }

    /// <summary>The model's member mapped to external_id, or null (also for types that are not [KlaviyoProfile]).</summary>
    private static ISymbol? ExternalIdMember(Compilation compilation, INamedTypeSymbol type, MappedTypeAttributes attributes)
    {
        if (!attributes.On(type).Any(a => a.Kind == MapperKind.Profile) || !TypeRules.CanGenerate(type)) return null;
        var result = ClassificationCache.Get(compilation, type, MapperKind.Profile);
        return result.Members.FirstOrDefault(m => m.IsGenerated && m.Target == MemberTarget.ProfileField && m.Field == ProfileField.ExternalId)?.Symbol;
    }

    /// <summary>True when <paramref name="userId"/> reads <paramref name="member"/> (directly, or through ToString()/?.ToString()).</summary>
    private static bool Names(IOperation userId, ISymbol member)
    {
        var operation = AnalyticsCalls.Unwrap(userId);
        if (operation is IConditionalAccessOperation conditional) operation = conditional.Operation;
        if (operation is IInvocationOperation { TargetMethod.Name: "ToString", Instance: { } instance }) operation = AnalyticsCalls.Unwrap(instance);
        return operation switch
        {
            IPropertyReferenceOperation p => SymbolEqualityComparer.Default.Equals(p.Property.OriginalDefinition, member.OriginalDefinition),
            IFieldReferenceOperation f => SymbolEqualityComparer.Default.Equals(f.Field.OriginalDefinition, member.OriginalDefinition),
            _ => false,
        };
    }
}
