using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Klaviyo.Destinations.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Klaviyo.Destinations.Analyzers;

/// <summary>
/// Member-level rules for <c>[KlaviyoProfile]</c>/<c>[KlaviyoEvent]</c> types, decided by the same
/// <see cref="MemberClassifier"/> the generator uses: KLV2001 (unmapped), KLV2002 (no identifier), KLV2003 (type
/// mismatch), KLV2004 (duplicate target), KLV2005 (type with no JSON form).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class MappedMemberAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.UnmappedMember,
        DiagnosticDescriptors.MissingIdentifier,
        DiagnosticDescriptors.TypeMismatch,
        DiagnosticDescriptors.DuplicateTarget,
        DiagnosticDescriptors.UnsupportedType);

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(static start =>
        {
            var attributes = MappedTypeAttributes.For(start.Compilation);
            if (attributes is null) return;
            var handling = MappingOptionsReader.ReadUnmappedTraits(start.Compilation);
            var naming = MappingOptionsReader.ReadPropertyNaming(start.Compilation);
            start.RegisterSymbolAction(c => Analyze(c, attributes, handling, naming), SymbolKind.NamedType);
        });
    }

    private static void Analyze(SymbolAnalysisContext context, MappedTypeAttributes attributes, UnmappedTraitHandling handling, PropertyNaming naming)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        // Types the generator cannot map at all are reported once, by MappedTypeAnalyzer (KLV1001/KLV1002).
        if (!TypeRules.CanGenerate(type)) return;
        foreach (var (kind, _) in attributes.On(type))
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            var result = ClassificationCache.Get(context.Compilation, type, kind);
            var reporter = new Reporter(context.ReportDiagnostic, result, handling, naming, TypeRules.NestedName(type), MemberLocations.Of(type));
            foreach (var member in result.Members) reporter.Member(member);

            if (kind == MapperKind.Profile && !result.HasIdentifier && !result.Members.Any(IsBrokenIdentifier))
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.MissingIdentifier, MemberLocations.Of(type), TypeRules.NestedName(type)));
        }
    }

    /// <summary>An identifier member that already has its own error (KLV2003/KLV2004): KLV2002 would only repeat it.</summary>
    internal static bool IsBrokenIdentifier(ClassifiedMember member) =>
        member.Problem != MemberProblem.None && member.Target == MemberTarget.ProfileField && ProfileFieldInfo.IsIdentifier(member.Field);

    private static Location[]? Additional(Location? declaration) => declaration is null ? null : new[] { declaration };

    /// <summary>
    /// Reports the member rules of one classified type; also used for the anonymous payloads of intercepted calls
    /// (<see cref="AnonymousPayloadAnalyzer"/>), which pass where each member is written and their own advice.
    /// </summary>
    internal sealed class Reporter
    {
        private readonly System.Action<Diagnostic> _report;
        private readonly ClassificationResult _result;
        private readonly UnmappedTraitHandling _handling;
        private readonly PropertyNaming _naming;
        private readonly string _typeName;
        private readonly Location _typeLocation;
        private readonly System.Func<ClassifiedMember, Location?>? _locate;
        private readonly string? _unmappedAdvice;

        public Reporter(System.Action<Diagnostic> report, ClassificationResult result, UnmappedTraitHandling handling, PropertyNaming naming,
            string typeName, Location typeLocation, System.Func<ClassifiedMember, Location?>? locate = null, string? unmappedAdvice = null)
        {
            _report = report;
            _naming = naming;
            _result = result;
            _handling = handling;
            _typeName = typeName;
            _typeLocation = typeLocation;
            _locate = locate;
            _unmappedAdvice = unmappedAdvice;
        }

        public void Member(ClassifiedMember member)
        {
            var location = _locate?.Invoke(member) ?? MemberLocations.Of(member.Symbol, _typeLocation);
            if (member.Problem != MemberProblem.None)
            {
                Problem(member, member.Name, location, null, _result.Members);
                return;
            }
            if (member.Target == MemberTarget.Unmapped) Unmapped(member, member.Name, location, null);
            else if (member.Target == MemberTarget.Address && member.Nested is { } nested)
            {
                // A member of the address type is reported on the mapped type's address member, so the diagnostic stays
                // local to the type being analysed (live IDE analysis shows it); its own declaration is the additional
                // location, where the code fixes put the attribute.
                foreach (var inner in nested)
                {
                    var name = member.Name + "." + inner.Name;
                    var declaration = MemberLocations.Of(inner.Symbol);
                    var additional = declaration.IsInSource ? declaration : null;
                    if (inner.Problem != MemberProblem.None) Problem(inner, name, location, additional, nested);
                    else if (inner.Target == MemberTarget.Unmapped) Unmapped(inner, name, location, additional);
                }
            }
        }

        private void Problem(ClassifiedMember member, string name, Location location, Location? declaration, IReadOnlyList<ClassifiedMember> siblings)
        {
            switch (member.Problem)
            {
                case MemberProblem.TypeMismatch:
                    var detail = member.ProblemDetail ?? "a supported type";
                    _report(Diagnostic.Create(DiagnosticDescriptors.TypeMismatch, location, Additional(declaration), name, _typeName,
                        TargetDescriptions.TypeOf(member.Symbol), TargetDescriptions.Of(member),
                        detail.StartsWith("[", System.StringComparison.Ordinal) ? detail : "expected " + detail));
                    break;
                case MemberProblem.DuplicateTarget:
                    var (target, self, other) = TargetDescriptions.Duplicate(member, siblings);
                    _report(Diagnostic.Create(DiagnosticDescriptors.DuplicateTarget, location, Additional(declaration),
                        name == member.Name ? self : name, _typeName, target, other));
                    break;
                case MemberProblem.UnsupportedType:
                    _report(Diagnostic.Create(DiagnosticDescriptors.UnsupportedType, location, Additional(declaration), name, _typeName,
                        TargetDescriptions.TypeOf(member.Symbol), member.ProblemDetail ?? "a supported type"));
                    break;
            }
        }

        private void Unmapped(ClassifiedMember member, string name, Location location, Location? declaration)
        {
            var propertyName = member.PropertyName is null ? PropertyNames.Apply(member.Name, _naming)
                : member.PropertyNameFromMember ? PropertyNames.Apply(member.PropertyName, _naming) : member.PropertyName;
            var outcome = _handling switch
            {
                UnmappedTraitHandling.Drop => "it will be dropped (UnmappedTraits = Drop)",
                UnmappedTraitHandling.Error => "unmapped members are errors in this assembly (UnmappedTraits = Error)",
                _ => "it will be sent as custom property '" + propertyName + "'",
            };
            // Synonyms name profile fields: only a profile member can take [KlaviyoField].
            var suggestion = _result.Kind == MapperKind.Profile ? member.Suggestion : ProfileField.None;
            var properties = ImmutableDictionary<string, string?>.Empty.Add(DiagnosticDescriptors.PropertyNameProperty, propertyName);
            string advice;
            if (suggestion != ProfileField.None)
            {
                properties = properties.Add(DiagnosticDescriptors.SuggestionProperty, suggestion.ToString());
                advice = " — did you mean " + TargetDescriptions.Of(suggestion) + "?";
            }
            else if (_unmappedAdvice is not null) advice = _unmappedAdvice;
            else
            {
                advice = _handling switch
                {
                    UnmappedTraitHandling.Drop => " (mark it [CustomProperty] to send it, or [NotMapped] to make the drop explicit)",
                    UnmappedTraitHandling.Error => "; map it to a Klaviyo field, or mark it [CustomProperty] or [NotMapped]",
                    _ => " (mark it [CustomProperty] or [NotMapped] to make the choice explicit)",
                };
            }
            var severity = _handling == UnmappedTraitHandling.Error ? DiagnosticSeverity.Error : DiagnosticDescriptors.UnmappedMember.DefaultSeverity;
            _report(Diagnostic.Create(DiagnosticDescriptors.UnmappedMember, location, severity,
                Additional(declaration), properties, _result.Kind == MapperKind.Profile ? "Trait" : "Property", name, _typeName, outcome + advice));
        }
    }
}
