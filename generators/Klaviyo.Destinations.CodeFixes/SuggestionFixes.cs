using System.Threading.Tasks;
using Klaviyo.Destinations.Analyzers;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;

namespace Klaviyo.Destinations.CodeFixes;

/// <summary>Registers the "use 'X'" fix of a diagnostic that carries a <see cref="DiagnosticDescriptors.ReplacementProperty"/>.</summary>
internal static class SuggestionFixes
{
    public static async Task RegisterAsync(CodeFixContext context, string titlePrefix, string equivalenceKey)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null) return;
        foreach (var diagnostic in context.Diagnostics)
        {
            if (!diagnostic.Properties.TryGetValue(DiagnosticDescriptors.ReplacementProperty, out var replacement) || replacement is null) continue;
            var span = diagnostic.Location.SourceSpan;
            if (KeyReplacer.FindTarget(root, span, replacement) is null) continue;
            var document = context.Document;
            context.RegisterCodeFix(CodeAction.Create(titlePrefix + "'" + replacement + "'",
                ct => KeyReplacer.ReplaceAsync(document, span, replacement, ct), equivalenceKey), diagnostic);
        }
    }
}
