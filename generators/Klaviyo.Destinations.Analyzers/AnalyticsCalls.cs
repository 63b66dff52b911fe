using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace Klaviyo.Destinations.Analyzers;

/// <summary>Recognises calls to <c>Klaviyo.Destinations.Analytics</c> and the arguments the KLV2006/KLV2007 rules read.</summary>
internal static class AnalyticsCalls
{
    public const string Identify = "Identify";
    public const string Track = "Track";
    public const string Group = "Group";

    /// <summary>The called method when <paramref name="invocation"/> calls an instance method of <paramref name="analytics"/>.</summary>
    public static IMethodSymbol? Method(IInvocationOperation invocation, INamedTypeSymbol analytics)
    {
        var method = invocation.TargetMethod;
        return method.IsStatic || !SymbolEqualityComparer.Default.Equals(method.ContainingType, analytics) ? null : method;
    }

    /// <summary>The value passed for the parameter named <paramref name="name"/> (explicitly, not by default), conversions removed.</summary>
    public static IOperation? Argument(IInvocationOperation invocation, string name)
    {
        foreach (var argument in invocation.Arguments)
            if (argument.ArgumentKind == ArgumentKind.Explicit && argument.Parameter?.Name == name) return Unwrap(argument.Value);
        return null;
    }

    /// <summary>The operation under implicit and explicit conversions (<c>Dictionary</c> → <c>IReadOnlyDictionary</c>, <c>string</c> → <c>object</c>).</summary>
    public static IOperation Unwrap(IOperation operation)
    {
        while (operation is IConversionOperation conversion) operation = conversion.Operand;
        return operation;
    }
}
