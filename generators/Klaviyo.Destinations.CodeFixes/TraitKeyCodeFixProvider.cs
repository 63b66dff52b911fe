using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using Klaviyo.Destinations.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;

namespace Klaviyo.Destinations.CodeFixes;

/// <summary>KLV2006: replace a trait/property key that is close to a Klaviyo mapping key with that key.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(TraitKeyCodeFixProvider)), Shared]
public sealed class TraitKeyCodeFixProvider : CodeFixProvider
{
    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.CloseTraitKey.Id);

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override Task RegisterCodeFixesAsync(CodeFixContext context) =>
        SuggestionFixes.RegisterAsync(context, KlaviyoCodeFixTitles.UseKeyPrefix, KlaviyoCodeFixTitles.UseKeyKey);
}
