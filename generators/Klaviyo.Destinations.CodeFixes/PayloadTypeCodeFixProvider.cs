using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Klaviyo.Destinations.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Simplification;

namespace Klaviyo.Destinations.CodeFixes;

/// <summary>
/// KLV2008: make the payload type a mapped model — <c>[KlaviyoProfile]</c> for Identify/Audience calls,
/// <c>[KlaviyoEvent("Name")]</c> for Track/Page/Screen (the call's constant event name, else the type's name) — on the
/// type's declaration (the diagnostic's additional location).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(PayloadTypeCodeFixProvider)), Shared]
public sealed class PayloadTypeCodeFixProvider : CodeFixProvider
{
    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.PayloadWithoutMapper.Id);

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        foreach (var diagnostic in context.Diagnostics)
        {
            if (!diagnostic.Properties.TryGetValue(DiagnosticDescriptors.AttributeProperty, out var attribute) || attribute is null) continue;
            var declaration = diagnostic.AdditionalLocations.FirstOrDefault(l => l.IsInSource);
            var document = declaration is null ? null : context.Document.Project.Solution.GetDocument(declaration.SourceTree);
            if (document is null) continue;
            diagnostic.Properties.TryGetValue(DiagnosticDescriptors.EventNameProperty, out var eventName);
            var title = attribute == "KlaviyoEvent" ? KlaviyoCodeFixTitles.AddKlaviyoEventPrefix + eventName + "\")]" : KlaviyoCodeFixTitles.AddKlaviyoProfile;
            context.RegisterCodeFix(CodeAction.Create(title,
                ct => AddAsync(document, declaration!, attribute, eventName, ct), KlaviyoCodeFixTitles.AddMappedTypeAttributeKey), diagnostic);
        }
        return Task.CompletedTask;
    }

    private static async Task<Document> AddAsync(Document document, Location declaration, string attributeName, string? eventName, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root?.FindToken(declaration.SourceSpan.Start).Parent?.FirstAncestorOrSelf<TypeDeclarationSyntax>() is not { } type) return document;

        var name = SyntaxFactory.ParseName("global::Klaviyo.Destinations." + attributeName + "Attribute")
            .WithAdditionalAnnotations(Simplifier.Annotation, Simplifier.AddImportsAnnotation);
        var attribute = SyntaxFactory.Attribute(name);
        if (attributeName == "KlaviyoEvent")
            attribute = attribute.WithArgumentList(SyntaxFactory.AttributeArgumentList(SyntaxFactory.SingletonSeparatedList(
                SyntaxFactory.AttributeArgument(SyntaxFactory.LiteralExpression(SyntaxKind.StringLiteralExpression, SyntaxFactory.Literal(eventName ?? type.Identifier.ValueText))))));

        var endOfLine = root.DescendantTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia));
        if (endOfLine == default) endOfLine = SyntaxFactory.LineFeed;
        document = document.WithSyntaxRoot(root.ReplaceNode(type, AttributeAdder.AddAbove(type, attribute, endOfLine)));
        document = await ImportAdder.AddImportsAsync(document, Simplifier.AddImportsAnnotation, cancellationToken: cancellationToken).ConfigureAwait(false);
        return await Simplifier.ReduceAsync(document, Simplifier.Annotation, cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
