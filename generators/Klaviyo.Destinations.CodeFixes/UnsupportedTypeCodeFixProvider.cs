using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using Klaviyo.Destinations.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;

namespace Klaviyo.Destinations.CodeFixes;

/// <summary>KLV2005: a member whose type has no JSON form is marked <c>[NotMapped]</c> so it is not sent.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UnsupportedTypeCodeFixProvider)), Shared]
public sealed class UnsupportedTypeCodeFixProvider : CodeFixProvider
{
    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.UnsupportedType.Id);

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        foreach (var diagnostic in context.Diagnostics)
        {
            if (await AttributeAdder.FindTargetAsync(context.Document, diagnostic, context.CancellationToken).ConfigureAwait(false) is not var (document, span))
                continue;
            var notMapped = AttributeAdder.Attribute("NotMappedAttribute");
            context.RegisterCodeFix(CodeAction.Create(KlaviyoCodeFixTitles.DontSend,
                ct => AttributeAdder.AddAsync(document, span, notMapped, ct), KlaviyoCodeFixTitles.DontSendKey), diagnostic);
        }
    }
}
