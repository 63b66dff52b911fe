using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace Klaviyo.Destinations.Generators.Tests.Infrastructure;

/// <summary>Short forms of <see cref="KlaviyoCodeFixTest{TAnalyzer, TCodeFix}"/> for the common cases.</summary>
internal static class Verify<TAnalyzer, TCodeFix>
    where TAnalyzer : DiagnosticAnalyzer, new()
    where TCodeFix : CodeFixProvider, new()
{
    /// <summary>The analyzer reports exactly the markup in <paramref name="source"/> plus <paramref name="expected"/>.</summary>
    public static Task AnalyzerAsync(string source, params DiagnosticResult[] expected)
    {
        var test = new KlaviyoCodeFixTest<TAnalyzer, EmptyCodeFixProvider> { TestCode = source };
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    /// <summary>Applying the code action <paramref name="equivalenceKey"/> to every diagnostic turns <paramref name="source"/> into <paramref name="fixedSource"/>.</summary>
    public static Task CodeFixAsync(string source, string fixedSource, string equivalenceKey, params DiagnosticResult[] remaining)
    {
        var test = new KlaviyoCodeFixTest<TAnalyzer, TCodeFix>
        {
            TestCode = source,
            FixedCode = fixedSource,
            CodeActionEquivalenceKey = equivalenceKey,
        };
        test.FixedState.ExpectedDiagnostics.AddRange(remaining);
        return test.RunAsync();
    }
}
