using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Klaviyo.Destinations.Generators.Tests.Infrastructure;

/// <summary>Runs an analyzer the way the compiler does and returns what a user would read in the build output.</summary>
internal static class AnalyzerRunner
{
    public static async Task<ImmutableArray<Diagnostic>> RunAsync(DiagnosticAnalyzer analyzer, string source, IReadOnlyDictionary<string, ReportDiagnostic>? severities = null)
    {
        var compilation = Compilations.Create(source);
        if (severities is not null)
            compilation = compilation.WithOptions(compilation.Options.WithSpecificDiagnosticOptions(severities));
        var compilerErrors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(compilerErrors.Count == 0, "The test source does not compile: " + string.Join(Environment.NewLine, compilerErrors));
        var diagnostics = await compilation.WithAnalyzers([analyzer]).GetAnalyzerDiagnosticsAsync();
        return diagnostics.OrderBy(d => d.Location.SourceSpan.Start).ToImmutableArray();
    }

    /// <summary>The single diagnostic with <paramref name="id"/>, rendered as the message a user reads.</summary>
    public static async Task<Diagnostic> SingleAsync(DiagnosticAnalyzer analyzer, string source, string id)
    {
        var diagnostics = await RunAsync(analyzer, source);
        return Assert.Single(diagnostics, d => d.Id == id);
    }
}
