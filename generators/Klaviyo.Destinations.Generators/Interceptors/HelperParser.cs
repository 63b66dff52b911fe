using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Klaviyo.Destinations.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Klaviyo.Destinations.Generators.Interceptors;

/// <summary>
/// The two ends of a payload that reaches Analytics through a user's generic method: the generic methods (where their
/// type parameters go, <see cref="GenericHelperFlows"/>) and the calls that pass them an anonymous object.
/// </summary>
internal static class HelperParser
{
    /// <summary>Cheap syntax test: a generic method or local function with a body.</summary>
    public static bool IsGenericMethod(SyntaxNode node, CancellationToken _) =>
        node is MethodDeclarationSyntax { TypeParameterList: not null } method && (method.Body is not null || method.ExpressionBody is not null)
        || node is LocalFunctionStatementSyntax { TypeParameterList: not null };

    public static HelperMethodModel? ParseHelper(GeneratorSyntaxContext context, CancellationToken cancellationToken)
    {
        if (context.SemanticModel.GetDeclaredSymbol(context.Node, cancellationToken) is not IMethodSymbol method) return null;
        var key = GenericHelperFlows.Key(method);
        var assembly = context.SemanticModel.Compilation.Assembly;
        var flows = new List<HelperFlow>();
        foreach (var invocation in context.Node.DescendantNodes().OfType<InvocationExpressionSyntax>())
        {
            if (invocation.ArgumentList.Arguments.Count == 0) continue;
            cancellationToken.ThrowIfCancellationRequested();
            if (context.SemanticModel.GetSymbolInfo(invocation, cancellationToken).Symbol is not IMethodSymbol invoked) continue;
            if (GenericHelperFlows.Of(invoked, assembly) is not { } found) continue;
            // A nested generic local function is a helper of its own (its own node); keep this method's flows only.
            foreach (var flow in found)
                if (flow.Helper == key && !flows.Contains(flow)) flows.Add(flow);
        }
        return flows.Count == 0 ? null : new HelperMethodModel(key, flows.ToEquatableArray());
    }

    /// <summary>
    /// Cheap syntax test: a member (or the top-level statements) that creates an anonymous object. An anonymous type can
    /// only be a type argument inside the member that creates it, so calls elsewhere need no binding.
    /// </summary>
    public static bool HasAnonymousObject(SyntaxNode node, CancellationToken _) => node switch
    {
        BaseMethodDeclarationSyntax or BasePropertyDeclarationSyntax or BaseFieldDeclarationSyntax => ContainsAnonymous(node),
        CompilationUnitSyntax unit => unit.Members.Any(m => m is GlobalStatementSyntax && ContainsAnonymous(m)),
        _ => false,
    };

    private static bool ContainsAnonymous(SyntaxNode node)
    {
        foreach (var n in node.DescendantNodes())
            if (n is AnonymousObjectCreationExpressionSyntax) return true;
        return false;
    }

    public static EquatableArray<HelperCallModel> ParseCalls(GeneratorSyntaxContext context, CancellationToken cancellationToken)
    {
        var nodes = context.Node is CompilationUnitSyntax unit
            ? unit.Members.OfType<GlobalStatementSyntax>().SelectMany(g => g.DescendantNodes())
            : context.Node.DescendantNodes();
        var compilation = context.SemanticModel.Compilation;
        List<HelperCallModel>? calls = null;
        foreach (var invocation in nodes.OfType<InvocationExpressionSyntax>())
        {
            if (invocation.ArgumentList.Arguments.Count == 0) continue;
            cancellationToken.ThrowIfCancellationRequested();
            if (context.SemanticModel.GetSymbolInfo(invocation, cancellationToken).Symbol is not IMethodSymbol invoked
                || !GenericHelperFlows.IsSourceGeneric(invoked, compilation.Assembly))
                continue;
            for (var i = 0; i < invoked.TypeArguments.Length; i++)
            {
                if (invoked.TypeArguments[i] is not INamedTypeSymbol { IsAnonymousType: true } anonymous || InterceptedCalls.WhyNotInterceptable(anonymous) is not null)
                    continue;
                var span = invocation.GetLocation().GetLineSpan();
                var display = CallSiteParser.DisplayLocation(
                    span.Path + "(" + (span.StartLinePosition.Line + 1) + "," + (span.StartLinePosition.Character + 1) + ")",
                    invocation.SyntaxTree.FilePath, compilation.Options.SourceReferenceResolver);
                (calls ??= new List<HelperCallModel>()).Add(new HelperCallModel(GenericHelperFlows.Key(invoked), i, invoked.Name, display, AnonymousPayloadParser.Parse(anonymous)));
            }
        }
        return calls is null ? EquatableArray<HelperCallModel>.Empty : calls.ToEquatableArray();
    }
}
