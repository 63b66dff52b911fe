using System.Collections.Immutable;
using Klaviyo.Destinations.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Klaviyo.Destinations.Analyzers;

/// <summary>
/// Type-level rules for <c>[KlaviyoProfile]</c>/<c>[KlaviyoEvent]</c> types, for which the generator silently emits
/// nothing: KLV1001 (generic), KLV1002 (not visible to the generated mapper), KLV1003 (invalid event name), KLV1004
/// (abstract).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class MappedTypeAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.GenericType,
        DiagnosticDescriptors.InaccessibleType,
        DiagnosticDescriptors.InvalidEventName,
        DiagnosticDescriptors.AbstractType);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(static start =>
        {
            var attributes = MappedTypeAttributes.For(start.Compilation);
            if (attributes is null) return;
            start.RegisterSymbolAction(c => Analyze(c, attributes), SymbolKind.NamedType);
        });
    }

    private static void Analyze(SymbolAnalysisContext context, MappedTypeAttributes attributes)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        foreach (var (kind, attribute) in attributes.On(type))
        {
            var name = MappedTypeAttributes.ShortName(kind);
            var location = MemberLocations.Of(type);
            var display = TypeRules.NestedName(type);
            if (TypeRules.IsGeneric(type))
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.GenericType, location, name, display));

            if (type.IsAbstract)
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.AbstractType, location, name, display));

            if (TypeRules.FirstInaccessible(type) is { } hidden)
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InaccessibleType, location, name, display,
                    TypeRules.NestedName(hidden), Describe(hidden.DeclaredAccessibility)));

            if (kind == MapperKind.Event)
            {
                var eventName = MappedTypeAttributes.EventName(attribute);
                if (!TypeRules.IsValidEventName(eventName))
                {
                    var problem = eventName is null || eventName.Trim().Length == 0
                        ? "is empty"
                        : "is " + eventName.Length + " characters long";
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.InvalidEventName,
                        NameArgumentLocation(attribute, context.CancellationToken) ?? location, display, problem));
                }
            }
        }
    }

    private static string Describe(Accessibility accessibility) => accessibility switch
    {
        Accessibility.Private => "private",
        Accessibility.Protected => "protected",
        Accessibility.ProtectedAndInternal => "private protected",
        _ => "not accessible",
    };

    private static Location? NameArgumentLocation(AttributeData attribute, System.Threading.CancellationToken cancellationToken) =>
        attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) is AttributeSyntax { ArgumentList.Arguments: { Count: > 0 } arguments }
            ? arguments[0].GetLocation()
            : null;
}
