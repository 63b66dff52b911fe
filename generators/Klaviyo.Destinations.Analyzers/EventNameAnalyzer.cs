using System.Collections.Immutable;
using Klaviyo.Destinations.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Klaviyo.Destinations.Analyzers;

/// <summary>
/// KLV2007: a string-literal event name, passed to <c>Analytics.Track(userId, "…", …)</c> or written in
/// <c>[KlaviyoEvent("…")]</c>, that is close to but not exactly a Segment ecommerce event, a Klaviyo metric or a
/// standard event name (<see cref="EventNameSuggestions"/>).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class EventNameAnalyzer : DiagnosticAnalyzer
{
    private const string EventNameParameter = "eventName";

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.CloseEventName);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(static start =>
        {
            var analytics = start.Compilation.GetTypeByMetadataName(KnownNames.Analytics);
            if (analytics is not null) start.RegisterOperationAction(c => AnalyzeTrack(c, analytics), OperationKind.Invocation);
            var eventAttribute = start.Compilation.GetTypeByMetadataName(KnownNames.KlaviyoEventAttribute);
            if (eventAttribute is not null) start.RegisterSymbolAction(c => AnalyzeAttribute(c, eventAttribute), SymbolKind.NamedType);
        });
    }

    private static void AnalyzeTrack(OperationAnalysisContext context, INamedTypeSymbol analytics)
    {
        var invocation = (IInvocationOperation)context.Operation;
        if (AnalyticsCalls.Method(invocation, analytics) is not { Name: AnalyticsCalls.Track }) return;
        if (AnalyticsCalls.Argument(invocation, EventNameParameter) is ILiteralOperation { ConstantValue: { HasValue: true, Value: string name } } literal)
            Report(context.ReportDiagnostic, name, literal.Syntax);
    }

    private static void AnalyzeAttribute(SymbolAnalysisContext context, INamedTypeSymbol eventAttribute)
    {
        foreach (var attribute in context.Symbol.GetAttributes())
        {
            if (!SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, eventAttribute)) continue;
            if (MappedTypeAttributes.EventName(attribute) is not { } name) continue;
            if (attribute.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken) is AttributeSyntax { ArgumentList.Arguments: { Count: > 0 } arguments })
                Report(context.ReportDiagnostic, name, arguments[0].Expression);
        }
    }

    private static void Report(System.Action<Diagnostic> report, string name, SyntaxNode syntax)
    {
        if (!syntax.IsKind(SyntaxKind.StringLiteralExpression) || EventNameSuggestions.Suggest(name) is not { } suggestion) return;
        var properties = ImmutableDictionary<string, string?>.Empty.Add(DiagnosticDescriptors.ReplacementProperty, suggestion.Name);
        report(Diagnostic.Create(DiagnosticDescriptors.CloseEventName, syntax.GetLocation(), properties, name, suggestion.Description));
    }
}
