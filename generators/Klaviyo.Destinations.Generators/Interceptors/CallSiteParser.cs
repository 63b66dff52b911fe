using System.Linq;
using System.Threading;
using Klaviyo.Destinations.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Klaviyo.Destinations.Generators.Interceptors;

/// <summary>Finds <c>Analytics</c> calls with an anonymous-object payload and turns each into a symbol-free <see cref="InterceptedCallModel"/>.</summary>
internal static class CallSiteParser
{
    private static readonly SymbolDisplayFormat s_signature = SymbolDisplayFormat.FullyQualifiedFormat
        .WithMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.EscapeKeywordIdentifiers
            | SymbolDisplayMiscellaneousOptions.UseSpecialTypes
            | SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    /// <summary>Cheap syntax test: <c>x.Identify(…)</c>, <c>x.Track(…)</c>, … with at least one argument.</summary>
    public static bool IsCandidate(SyntaxNode node, CancellationToken _) =>
        node is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name: IdentifierNameSyntax name }, ArgumentList.Arguments.Count: > 0 }
        && InterceptedCalls.IsCandidateName(name.Identifier.ValueText);

    public static InterceptedCallModel? Parse(GeneratorSyntaxContext context, CancellationToken cancellationToken)
    {
        var invocation = (InvocationExpressionSyntax)context.Node;
        if (context.SemanticModel.GetSymbolInfo(invocation, cancellationToken).Symbol is not IMethodSymbol method) return null;
        if (InterceptedCalls.PayloadParameter(method, out _) is null || InterceptedCalls.NeedsDeclaredEventName(method)) return null;
        if (method.TypeArguments[0] is not INamedTypeSymbol { IsAnonymousType: true } payload || InterceptedCalls.WhyNotInterceptable(payload) is not null)
            return null;
        cancellationToken.ThrowIfCancellationRequested();
        var location = context.SemanticModel.GetInterceptableLocation(invocation, cancellationToken);
        if (location is null) return null;
        return new InterceptedCallModel(Method(method.OriginalDefinition), location.Version, location.Data,
            DisplayLocation(location.GetDisplayLocation(), invocation.SyntaxTree.FilePath, context.SemanticModel.Compilation.Options.SourceReferenceResolver),
            AnonymousPayloadParser.Parse(payload));
    }

    /// <summary>
    /// <c>path(line,col)</c> with the path mapped by the build's <c>PathMap</c> (as the compiler maps it in PDBs), so the
    /// comment and hint name of an interceptor do not carry the machine's directory in deterministic/CI builds.
    /// </summary>
    internal static string DisplayLocation(string display, string path, SourceReferenceResolver? resolver)
    {
        if (resolver is not SourceFileResolver { PathMap: { IsDefaultOrEmpty: false } pathMap } || path.Length == 0
            || !display.StartsWith(path, System.StringComparison.Ordinal))
            return display;
        foreach (var pair in pathMap)
        {
            var from = pair.Key;
            if (from.Length == 0 || !path.StartsWith(from, System.StringComparison.Ordinal)) continue;
            var rest = path.Substring(from.Length).TrimStart('/', '\\');
            var to = pair.Value.TrimEnd('/', '\\');
            return to + "/" + rest.Replace('\\', '/') + display.Substring(path.Length);
        }
        return display;
    }

    private static InterceptedMethodModel Method(IMethodSymbol definition)
    {
        var payloadIndex = 0;
        for (var i = 0; i < definition.Parameters.Length; i++)
            if (definition.Parameters[i].Type is ITypeParameterSymbol) payloadIndex = i;
        var parameters = definition.Parameters
            .Select(p => new ParameterModel(p.Type.ToDisplayString(s_signature), Emitting.CodeWriter.Identifier(p.Name)))
            .ToEquatableArray();
        return new InterceptedMethodModel(definition.Name, definition.ReturnType.ToDisplayString(s_signature), parameters, payloadIndex,
            definition.TypeParameters[0].Name);
    }
}
