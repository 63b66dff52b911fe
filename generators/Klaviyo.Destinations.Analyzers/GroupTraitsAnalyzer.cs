using System.Collections.Immutable;
using Klaviyo.Destinations.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Klaviyo.Destinations.Analyzers;

/// <summary>
/// KLV2011: <c>analytics.Group(userId, groupId, new { … })</c> (or a model, a <c>JsonObject</c>…). Group is
/// dictionary-only by design — Klaviyo has no group object, a Group call sets the person's organization from the
/// <c>name</c> trait — so such a call does not compile (CS1503); this says why and what to write instead. A syntax
/// action with a name test first: the call does not bind, so there is no invocation operation to look at.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class GroupTraitsAnalyzer : DiagnosticAnalyzer
{
    private const string TraitsParameter = "traits";

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.GroupTraitsNotDictionary);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(static start =>
        {
            var analytics = start.Compilation.GetTypeByMetadataName(KnownNames.Analytics);
            var dictionary = start.Compilation.GetTypeByMetadataName("System.Collections.Generic.IReadOnlyDictionary`2");
            if (analytics is null || dictionary is null) return;
            var traits = dictionary.Construct(
                start.Compilation.GetSpecialType(SpecialType.System_String),
                start.Compilation.GetSpecialType(SpecialType.System_Object).WithNullableAnnotation(NullableAnnotation.Annotated));
            start.RegisterSyntaxNodeAction(c => Analyze(c, analytics, traits), SyntaxKind.InvocationExpression);
        });
    }

    private static void Analyze(SyntaxNodeAnalysisContext context, INamedTypeSymbol analytics, ITypeSymbol traits)
    {
        var invocation = (InvocationExpressionSyntax)context.Node;
        if (invocation.Expression is not MemberAccessExpressionSyntax { Name.Identifier.ValueText: AnalyticsCalls.Group }) return;
        var info = context.SemanticModel.GetSymbolInfo(invocation, context.CancellationToken);
        if (info.Symbol is not null || !IsAnalyticsGroup(info, analytics)) return;

        var argument = TraitsArgument(invocation.ArgumentList);
        if (argument is null) return;
        var type = context.SemanticModel.GetTypeInfo(argument.Expression, context.CancellationToken).Type;
        if (type is null || type.TypeKind == TypeKind.Error) return;
        if (context.SemanticModel.Compilation.ClassifyCommonConversion(type, traits).IsImplicit) return;

        var display = type.IsAnonymousType ? "an anonymous object" : "'" + type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat) + "'";
        context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.GroupTraitsNotDictionary, argument.GetLocation(), display));
    }

    private static bool IsAnalyticsGroup(SymbolInfo info, INamedTypeSymbol analytics)
    {
        foreach (var candidate in info.CandidateSymbols)
            if (candidate is IMethodSymbol { Name: AnalyticsCalls.Group } method && SymbolEqualityComparer.Default.Equals(method.ContainingType, analytics))
                return true;
        return false;
    }

    /// <summary>The argument for <c>traits</c>: named, else the third positional one.</summary>
    private static ArgumentSyntax? TraitsArgument(ArgumentListSyntax list)
    {
        foreach (var argument in list.Arguments)
            if (argument.NameColon?.Name.Identifier.ValueText == TraitsParameter) return argument;
        return list.Arguments.Count >= 3 && list.Arguments[2].NameColon is null ? list.Arguments[2] : null;
    }
}
