using System.Threading;
using Klaviyo.Destinations.Analyzers;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace Klaviyo.Destinations.CodeFixes;

/// <summary>
/// Replaces the key or name a KLV2006/KLV2007 diagnostic points at: a string literal becomes a literal of the
/// suggestion; the member name of an anonymous object (<c>new { firstname = … }</c>) is renamed, and a projected
/// member (<c>new { firstname }</c>) gets an explicit name (<c>new { firstName = firstname }</c>).
/// </summary>
internal static class KeyReplacer
{
    /// <summary>The node to replace, or null when the diagnostic is not on one we can edit safely.</summary>
    public static SyntaxNode? FindTarget(SyntaxNode root, TextSpan span, string replacement)
    {
        var node = root.FindNode(span, getInnermostNodeForTie: true);
        switch (node)
        {
            case LiteralExpressionSyntax literal when literal.IsKind(SyntaxKind.StringLiteralExpression):
                return literal;
            case IdentifierNameSyntax { Parent: NameEqualsSyntax { Parent: AnonymousObjectMemberDeclaratorSyntax } } name when KeySuggestions.IsIdentifier(replacement):
                return name;
            default:
                var declarator = node.FirstAncestorOrSelf<AnonymousObjectMemberDeclaratorSyntax>();
                return declarator is { NameEquals: null } && declarator.Expression.Span == span && KeySuggestions.IsIdentifier(replacement) ? declarator : null;
        }
    }

    public static async Task<Document> ReplaceAsync(Document document, TextSpan span, string replacement, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || FindTarget(root, span, replacement) is not { } target) return document;
        SyntaxNode updated = target switch
        {
            LiteralExpressionSyntax literal => SyntaxFactory.LiteralExpression(SyntaxKind.StringLiteralExpression, SyntaxFactory.Literal(replacement)),
            IdentifierNameSyntax name => name.WithIdentifier(SyntaxFactory.Identifier(replacement)),
            AnonymousObjectMemberDeclaratorSyntax declarator => declarator
                .WithExpression(declarator.Expression.WithoutLeadingTrivia())
                .WithNameEquals(SyntaxFactory.NameEquals(
                    SyntaxFactory.IdentifierName(SyntaxFactory.Identifier(replacement).WithTrailingTrivia(SyntaxFactory.Space)),
                    SyntaxFactory.Token(SyntaxKind.EqualsToken).WithTrailingTrivia(SyntaxFactory.Space))),
            _ => target,
        };
        updated = updated.WithTriviaFrom(target);
        return document.WithSyntaxRoot(root.ReplaceNode(target, updated));
    }
}
