extern alias KlaviyoAnalyzers;

using Klaviyo.Destinations.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using GroupTraitsAnalyzer = KlaviyoAnalyzers::Klaviyo.Destinations.Analyzers.GroupTraitsAnalyzer;

namespace Klaviyo.Destinations.Generators.Tests.Analyzers;

/// <summary>
/// KLV2011: Group is dictionary-only (docs/diagnostics/KLV2011.md). A typed or anonymous Group payload does not compile
/// (CS1503); the analyzer says why, at the payload, next to the compiler's error.
/// </summary>
public sealed class KLV2011GroupTraitsTests
{
    private static async Task<(Diagnostic[] Compiler, Diagnostic[] Analyzer)> RunAsync(string source)
    {
        var compilation = Compilations.Create(source);
        var compiler = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
        var analyzer = await compilation.WithAnalyzers([new GroupTraitsAnalyzer()]).GetAnalyzerDiagnosticsAsync();
        return (compiler, analyzer.OrderBy(d => d.Location.SourceSpan.Start).ToArray());
    }

    [Fact]
    public async Task An_anonymous_object_a_model_or_a_typed_dictionary_as_group_traits_is_explained()
    {
        const string Source = """
            using System.Collections.Generic;
            using Klaviyo.Destinations;

            [KlaviyoProfile] public sealed record Company(string Email, string Name);

            public static class Calls
            {
                public static void Run(Analytics analytics, string userId, Company company)
                {
                    analytics.Group(userId, "acme", new { name = "Acme Inc", Industry = "Retail" });
                    analytics.Group(userId, "acme", company);
                    analytics.Group(userId, "acme", traits: new Dictionary<string, string> { ["name"] = "Acme Inc" });
                }
            }
            """;
        var (compiler, analyzer) = await RunAsync(Source);

        Assert.Equal(3, compiler.Count(d => d.Id == "CS1503"));
        Assert.All(analyzer, d => Assert.Equal("KLV2011", d.Id));
        Assert.Equal(
            ["new { name = \"Acme Inc\", Industry = \"Retail\" }", "company", "traits: new Dictionary<string, string> { [\"name\"] = \"Acme Inc\" }"],
            analyzer.Select(d => Source.Substring(d.Location.SourceSpan.Start, d.Location.SourceSpan.Length)));
        var message = analyzer[0].GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains("not an anonymous object", message, StringComparison.Ordinal);
        Assert.Contains("Klaviyo has no group object", message, StringComparison.Ordinal);
        Assert.Contains("[\"name\"] = …", message, StringComparison.Ordinal);
        Assert.Contains("not 'Company'", analyzer[1].GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Equal(DiagnosticSeverity.Error, analyzer[0].Severity);
    }

    [Fact]
    public async Task Dictionary_group_traits_and_other_Group_methods_are_left_alone()
    {
        var (compiler, analyzer) = await RunAsync("""
            using System.Collections.Generic;
            using Klaviyo.Destinations;

            public sealed class Team { public void Group(string id, object traits) { } }

            public static class Calls
            {
                public static void Run(Analytics analytics, Team team, string userId)
                {
                    analytics.Group(userId, "acme", new Dictionary<string, object?> { ["name"] = "Acme Inc" });
                    analytics.Group(userId, "acme");
                    analytics.Group(userId, "acme", null);
                    team.Group("acme", new { name = "Acme Inc" });
                }
            }
            """);
        Assert.Empty(compiler);
        Assert.Empty(analyzer);
    }
}
