using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Klaviyo.Destinations.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace Klaviyo.Destinations.Analyzers;

/// <summary>
/// The member rules of <see cref="MappedMemberAnalyzer"/> for anonymous payloads that the generator intercepts
/// (<c>Identify(userId, new { Email = …, Age = 3 })</c>): KLV2001 on a member that maps to no Klaviyo field, KLV2003,
/// KLV2004 and KLV2005 — decided by the same <see cref="MemberClassifier"/> that decides what the interceptor's mapper
/// writes, and reported where the member is written in that call.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class AnonymousPayloadAnalyzer : DiagnosticAnalyzer
{
    private const string AnonymousTypeName = "anonymous type";

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.UnmappedMember,
        DiagnosticDescriptors.AnonymousMissingIdentifier,
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
            if (start.Compilation.GetTypeByMetadataName(KnownNames.Analytics) is null) return;
            var handling = MappingOptionsReader.ReadUnmappedTraits(start.Compilation);
            var naming = MappingOptionsReader.ReadPropertyNaming(start.Compilation);
            start.RegisterOperationAction(c => Analyze(c, handling, naming), OperationKind.Invocation);
        });
    }

    private static void Analyze(OperationAnalysisContext context, UnmappedTraitHandling handling, PropertyNaming naming)
    {
        var invocation = (IInvocationOperation)context.Operation;
        var method = invocation.TargetMethod;
        if (InterceptedCalls.PayloadParameter(method, out var kind) is not { } parameter || InterceptedCalls.NeedsDeclaredEventName(method)) return;
        if (method.TypeArguments[0] is not INamedTypeSymbol { IsAnonymousType: true } type || InterceptedCalls.WhyNotInterceptable(type) is not null) return;

        var argument = invocation.Arguments.FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.Parameter?.OriginalDefinition, parameter.OriginalDefinition));
        if (argument is null) return;
        var written = WrittenMembers(argument.Value);
        var argumentLocation = argument.Syntax.GetLocation();

        var result = ClassificationCache.Get(context.Compilation, type, kind);
        var advice = kind == MapperKind.Profile
            ? " (rename it to a profile trait such as FirstName, or use a [KlaviyoProfile] model to mark it [CustomProperty] or [NotMapped])"
            : " (rename it to a known property, or use a [KlaviyoEvent] model to mark it [CustomProperty] or [NotMapped])";
        var reporter = new MappedMemberAnalyzer.Reporter(context.ReportDiagnostic, result, handling, naming, AnonymousTypeName, argumentLocation,
            member => written.TryGetValue(member.Name, out var location) ? location : argumentLocation,
            advice);
        var keys = kind == MapperKind.Profile ? KeySuggestions.Profile : KeySuggestions.Event;
        foreach (var member in result.Members)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            // A name close to a mapping key is KLV2006's (TraitKeyAnalyzer), with its rename fix: say it once.
            if (member.Target == MemberTarget.Unmapped && member.Problem == MemberProblem.None && written.ContainsKey(member.Name)
                && keys.Suggest(member.Name, identifiersOnly: true) is not null)
                continue;
            reporter.Member(member);
        }

        if (kind == MapperKind.Profile && IsIdentify(method) && !result.HasIdentifier && !result.Members.Any(MappedMemberAnalyzer.IsBrokenIdentifier)
            && PassesNoUserId(invocation))
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.AnonymousMissingIdentifier, argumentLocation, method.Name));
    }

    private static bool IsIdentify(IMethodSymbol method) => method.Name is "Identify" or "IdentifyAsync";

    /// <summary>
    /// True when the call's userId is the constant null (<c>null</c>, <c>default</c>) and it passes no MessageOptions
    /// (whose identities could name the person): nothing but the payload can identify anyone.
    /// </summary>
    private static bool PassesNoUserId(IInvocationOperation invocation)
    {
        var userIdIsNull = false;
        foreach (var argument in invocation.Arguments)
        {
            switch (argument.Parameter?.Name)
            {
                case "userId":
                    userIdIsNull = AnalyticsCalls.Unwrap(argument.Value).ConstantValue is { HasValue: true, Value: null };
                    break;
                case "options" when argument.ArgumentKind == ArgumentKind.Explicit:
                    if (AnalyticsCalls.Unwrap(argument.Value).ConstantValue is not { HasValue: true, Value: null }) return false;
                    break;
            }
        }
        return userIdIsNull;
    }

    /// <summary>Where each member is written when the payload is a <c>new { … }</c> in the call: the member's name (or its projected expression).</summary>
    private static Dictionary<string, Location> WrittenMembers(IOperation value)
    {
        var result = new Dictionary<string, Location>(System.StringComparer.Ordinal);
        if (AnalyticsCalls.Unwrap(value).Syntax is not AnonymousObjectCreationExpressionSyntax creation) return result;
        foreach (var declarator in creation.Initializers)
        {
            var name = declarator.NameEquals?.Name.Identifier.ValueText ?? ProjectedName(declarator.Expression);
            if (name is null) continue;
            result[name] = declarator.NameEquals is { } equals ? equals.Name.GetLocation() : declarator.Expression.GetLocation();
        }
        return result;
    }

    private static string? ProjectedName(ExpressionSyntax expression) => expression switch
    {
        IdentifierNameSyntax identifier => identifier.Identifier.ValueText,
        MemberAccessExpressionSyntax access => access.Name.Identifier.ValueText,
        _ => null,
    };
}
