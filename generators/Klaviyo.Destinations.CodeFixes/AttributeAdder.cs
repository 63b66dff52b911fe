using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Simplification;
using Microsoft.CodeAnalysis.Text;

namespace Klaviyo.Destinations.CodeFixes;

/// <summary>
/// Adds a Klaviyo.Destinations attribute to the member a diagnostic points at: the property, the field, or the
/// positional record parameter (the classifier honours attributes on the parameter, so no <c>property:</c> target).
/// Names are written fully qualified and simplified afterwards, adding <c>using Klaviyo.Destinations;</c> when needed.
/// </summary>
internal static class AttributeAdder
{
    private const string Namespace = "global::Klaviyo.Destinations.";

    /// <summary>
    /// The document and span of the declaration to annotate: the diagnostic's additional location when it has one (a
    /// member of a nested address type, reported on the address member), else its location. Null when there is no
    /// declaration we can edit safely.
    /// </summary>
    public static async Task<(Document Document, TextSpan Span)?> FindTargetAsync(Document document, Diagnostic diagnostic, CancellationToken cancellationToken)
    {
        var location = diagnostic.AdditionalLocations.FirstOrDefault(l => l.IsInSource) ?? diagnostic.Location;
        if (!location.IsInSource) return null;
        var target = document.Project.Solution.GetDocument(location.SourceTree);
        if (target is null) return null;
        var root = await target.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        return root is not null && FindDeclaration(root, location.SourceSpan) is not null ? (target, location.SourceSpan) : null;
    }

    /// <summary>The declaration to annotate, or null when the diagnostic is not on one we can edit safely.</summary>
    public static SyntaxNode? FindDeclaration(SyntaxNode root, TextSpan span) =>
        root.FindToken(span.Start).Parent switch
        {
            ParameterSyntax parameter => parameter,
            PropertyDeclarationSyntax property => property,
            // "public string A, B;" would put the attribute on both: offer nothing rather than the wrong thing.
            VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax { Variables.Count: 1, Parent: FieldDeclarationSyntax field } } => field,
            _ => null,
        };

    /// <summary><c>[Name]</c> or <c>[Name(argument)]</c> for an attribute class of Klaviyo.Destinations.</summary>
    public static AttributeSyntax Attribute(string attributeClass, string? argumentExpression = null)
    {
        var name = SyntaxFactory.ParseName(Namespace + attributeClass).WithAdditionalAnnotations(Simplifier.Annotation, Simplifier.AddImportsAnnotation);
        var attribute = SyntaxFactory.Attribute(name);
        if (argumentExpression is null) return attribute;
        var argument = SyntaxFactory.ParseExpression(Namespace + argumentExpression).WithAdditionalAnnotations(Simplifier.Annotation, Simplifier.AddImportsAnnotation);
        return attribute.WithArgumentList(SyntaxFactory.AttributeArgumentList(SyntaxFactory.SingletonSeparatedList(SyntaxFactory.AttributeArgument(argument))));
    }

    public static async Task<Document> AddAsync(Document document, TextSpan span, AttributeSyntax attribute, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var declaration = root is null ? null : FindDeclaration(root, span);
        if (root is null || declaration is null) return document;

        var endOfLine = root.DescendantTrivia().FirstOrDefault(t => t.IsKind(SyntaxKind.EndOfLineTrivia));
        if (endOfLine == default) endOfLine = SyntaxFactory.LineFeed;
        var updated = declaration switch
        {
            ParameterSyntax parameter => AddInline(parameter, attribute),
            MemberDeclarationSyntax member => AddAbove(member, attribute, endOfLine),
            _ => declaration,
        };
        document = document.WithSyntaxRoot(root.ReplaceNode(declaration, updated));
        document = await ImportAdder.AddImportsAsync(document, Simplifier.AddImportsAnnotation, cancellationToken: cancellationToken).ConfigureAwait(false);
        return await Simplifier.ReduceAsync(document, Simplifier.Annotation, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary><c>[A] string Name</c>: on the same line as the parameter.</summary>
    private static ParameterSyntax AddInline(ParameterSyntax parameter, AttributeSyntax attribute)
    {
        var list = SyntaxFactory.AttributeList(SyntaxFactory.SingletonSeparatedList(attribute)).WithTrailingTrivia(SyntaxFactory.Space);
        if (parameter.AttributeLists.Count > 0) return parameter.AddAttributeLists(list);
        var leading = parameter.GetLeadingTrivia();
        return parameter.WithoutLeadingTrivia().AddAttributeLists(list.WithLeadingTrivia(leading));
    }

    /// <summary>On its own line above the member, keeping doc comments above the attribute.</summary>
    internal static MemberDeclarationSyntax AddAbove(MemberDeclarationSyntax member, AttributeSyntax attribute, SyntaxTrivia endOfLine)
    {
        var list = SyntaxFactory.AttributeList(SyntaxFactory.SingletonSeparatedList(attribute));
        var leading = member.GetLeadingTrivia();
        var indentation = leading.Count > 0 && leading[leading.Count - 1].IsKind(SyntaxKind.WhitespaceTrivia)
            ? SyntaxFactory.TriviaList(leading[leading.Count - 1])
            : SyntaxFactory.TriviaList();
        if (member.AttributeLists.Count > 0)
        {
            var last = member.AttributeLists[member.AttributeLists.Count - 1];
            var ownLine = last.GetTrailingTrivia().Any(t => t.IsKind(SyntaxKind.EndOfLineTrivia));
            list = ownLine
                ? list.WithLeadingTrivia(indentation).WithTrailingTrivia(endOfLine)
                : list.WithTrailingTrivia(SyntaxFactory.Space);
            return member.AddAttributeLists(list);
        }
        return member.WithLeadingTrivia(indentation)
            .WithAttributeLists(SyntaxFactory.SingletonList(list.WithLeadingTrivia(leading).WithTrailingTrivia(endOfLine)));
    }
}
