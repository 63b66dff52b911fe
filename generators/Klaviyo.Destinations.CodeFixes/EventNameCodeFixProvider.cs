using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using Klaviyo.Destinations.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;

namespace Klaviyo.Destinations.CodeFixes;

/// <summary>KLV2007: replace an event name that is close to a known Klaviyo or ecommerce event name with that name.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(EventNameCodeFixProvider)), Shared]
public sealed class EventNameCodeFixProvider : CodeFixProvider
{
    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.CloseEventName.Id);

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override Task RegisterCodeFixesAsync(CodeFixContext context) =>
        SuggestionFixes.RegisterAsync(context, KlaviyoCodeFixTitles.UseEventNamePrefix, KlaviyoCodeFixTitles.UseEventNameKey);
}
