using System;
using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using Klaviyo.Destinations.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;

namespace Klaviyo.Destinations.CodeFixes;

/// <summary>
/// KLV2001: map the member to the profile field its name suggests (<c>[KlaviyoField(ProfileField.X)]</c>), send it as a
/// custom property on purpose (<c>[CustomProperty]</c>), or don't send it (<c>[NotMapped]</c>).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UnmappedMemberCodeFixProvider)), Shared]
public sealed class UnmappedMemberCodeFixProvider : CodeFixProvider
{
    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.UnmappedMember.Id);

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        foreach (var diagnostic in context.Diagnostics)
        {
            if (await AttributeAdder.FindTargetAsync(context.Document, diagnostic, context.CancellationToken).ConfigureAwait(false) is not var (document, span))
                continue;

            if (diagnostic.Properties.TryGetValue(DiagnosticDescriptors.SuggestionProperty, out var suggestion)
                && Enum.TryParse<ProfileField>(suggestion, out var field) && field != ProfileField.None)
            {
                var attribute = AttributeAdder.Attribute("KlaviyoFieldAttribute", "ProfileField." + field);
                context.RegisterCodeFix(CodeAction.Create(KlaviyoCodeFixTitles.MapToPrefix + field,
                    ct => AttributeAdder.AddAsync(document, span, attribute, ct), KlaviyoCodeFixTitles.MapToKey), diagnostic);
            }

            var customProperty = AttributeAdder.Attribute("CustomPropertyAttribute");
            context.RegisterCodeFix(CodeAction.Create(KlaviyoCodeFixTitles.SendAsCustomProperty,
                ct => AttributeAdder.AddAsync(document, span, customProperty, ct), KlaviyoCodeFixTitles.SendAsCustomPropertyKey), diagnostic);

            var notMapped = AttributeAdder.Attribute("NotMappedAttribute");
            context.RegisterCodeFix(CodeAction.Create(KlaviyoCodeFixTitles.DontSend,
                ct => AttributeAdder.AddAsync(document, span, notMapped, ct), KlaviyoCodeFixTitles.DontSendKey), diagnostic);
        }
    }
}
