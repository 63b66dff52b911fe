using Klaviyo.Destinations.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Klaviyo.Destinations.Generators.Tests.Generator;

/// <summary>The interceptors generated for anonymous payloads: baselines, what is (not) intercepted, and incrementality per call site.</summary>
public sealed class InterceptorGeneratorTests
{
    [Fact]
    public void Interceptor_code_matches_its_baseline_and_compiles_without_warnings()
    {
        var input = Compilations.Create(InterceptorInputs.AnonymousCalls);
        Assert.Empty(input.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));

        var (result, output) = GeneratorRunner.Run(input);

        Baselines.Verify("AnonymousCalls", result.GeneratedSources
            .OrderBy(s => s.HintName, StringComparer.Ordinal)
            .Select(s => (s.HintName, s.SourceText.ToString()))
            .ToList());
        var problems = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void Every_anonymous_call_with_an_event_name_is_intercepted_once_and_others_are_not()
    {
        var (result, _) = GeneratorRunner.Run(Compilations.Create(InterceptorInputs.AnonymousCalls));
        var interceptors = result.GeneratedSources.Where(s => s.HintName.Contains("AnonymousPayload_", StringComparison.Ordinal)).ToList();
        var attributes = interceptors.SelectMany(s => s.SourceText.Lines.Select(l => l.ToString()))
            .Where(l => l.TrimStart().StartsWith("[global::System.Runtime.CompilerServices.InterceptsLocation(", StringComparison.Ordinal))
            .ToList();

        // Identify ×2, Track ×2, Page, TrackAsync, AudienceEntered: 7 call sites, one file each (a file-local mapper
        // per site). Track(userId, new { Plan }) has no event name and the dictionary needs no mapper.
        Assert.Equal(7, attributes.Count);
        Assert.Equal(7, interceptors.Count);
        Assert.DoesNotContain(interceptors, s => s.SourceText.ToString().Contains("Plan = ", StringComparison.Ordinal));
        var orders = interceptors.Where(s => s.SourceText.ToString().Contains("OrderId = ", StringComparison.Ordinal)).Select(s => s.SourceText.ToString()).ToList();
        Assert.Equal(2, orders.Count);
        // Same shape, same mapper: the two files differ only in the location they intercept.
        Assert.Equal(Mapper(orders[0]), Mapper(orders[1]));
        // One shape passed to Identify and to AudienceEntered: each call is intercepted by its own overload.
        var emails = interceptors.Select(s => s.SourceText.ToString()).Where(t => t.Contains("new { Email = default(string)! })", StringComparison.Ordinal)).ToList();
        Assert.Contains(emails, t => t.Contains("klaviyoAnalytics.Identify<", StringComparison.Ordinal));
        Assert.Contains(emails, t => t.Contains("klaviyoAnalytics.AudienceEntered<", StringComparison.Ordinal));
    }

    /// <summary>
    /// A deterministic (CI) build maps source paths with <c>PathMap</c>: the interceptor's location comment and its hint
    /// name follow the mapped path, so the generated files do not depend on the directory the repository is built in.
    /// </summary>
    [Fact]
    public void Interceptor_comments_and_hint_names_honour_PathMap()
    {
        static IReadOnlyList<(string HintName, string Text)> Generate(string root, bool mapped)
        {
            var resolver = new SourceFileResolver([], null, mapped ? [new KeyValuePair<string, string>(root, "/_/")] : []);
            var input = CSharpCompilation.Create("UserAssembly",
                [CSharpSyntaxTree.ParseText(InterceptorInputs.AnonymousCalls, Compilations.ParseOptions, path: root + "Shop/Calls.cs")],
                TestReferences.All,
                new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, sourceReferenceResolver: resolver));
            var (result, _) = GeneratorRunner.Run(input);
            return result.GeneratedSources.Where(s => s.HintName.Contains("AnonymousPayload_", StringComparison.Ordinal))
                .Select(s => (s.HintName, s.SourceText.ToString())).OrderBy(s => s.HintName, StringComparer.Ordinal).ToList();
        }

        var onMachineA = Generate("/home/ada/repo/", mapped: true);
        var onMachineB = Generate("/builds/agent7/src/", mapped: true);
        Assert.Equal(7, onMachineA.Count);
        Assert.Equal(onMachineA, onMachineB);
        Assert.All(onMachineA, s => Assert.Contains("// /_/Shop/Calls.cs(", s.Text, StringComparison.Ordinal));
        Assert.All(onMachineA, s => Assert.DoesNotContain("/home/ada", s.Text, StringComparison.Ordinal));
        // Without a PathMap (a local build) the comment names the file where it is.
        Assert.All(Generate("/home/ada/repo/", mapped: false), s => Assert.Contains("// /home/ada/repo/Shop/Calls.cs(", s.Text, StringComparison.Ordinal));
    }

    private static string Mapper(string file) => file[file.IndexOf("private static readonly", StringComparison.Ordinal)..];

    [Fact]
    public void Adding_or_removing_a_call_site_changes_only_its_own_output()
    {
        var first = Compilations.Create(InterceptorInputs.AnonymousCalls);
        var driver = GeneratorRunner.CreateDriver().RunGenerators(first);
        var before = Assert.Single(driver.GetRunResult().Results).GeneratedSources.ToDictionary(s => s.HintName, s => s.SourceText.ToString());

        var added = first.AddSyntaxTrees(CSharpSyntaxTree.ParseText(InterceptorInputs.OneMoreCall, Compilations.ParseOptions, path: "/src/Newsletter.cs"));
        driver = driver.RunGenerators(added);
        var afterAdd = Assert.Single(driver.GetRunResult().Results);
        AssertOnlyOneMapperChanged(afterAdd, IncrementalStepRunReason.New);
        var newFile = Assert.Single(afterAdd.GeneratedSources, s => !before.ContainsKey(s.HintName));
        Assert.Contains("Source = default(string)!", newFile.SourceText.ToString(), StringComparison.Ordinal);
        Assert.All(afterAdd.GeneratedSources.Where(s => before.ContainsKey(s.HintName)), s => Assert.Equal(before[s.HintName], s.SourceText.ToString()));

        driver = driver.RunGenerators(first);
        var afterRemove = Assert.Single(driver.GetRunResult().Results);
        AssertOnlyOneMapperChanged(afterRemove, IncrementalStepRunReason.Removed);
        Assert.Equal(before.Keys.Order(), afterRemove.GeneratedSources.Select(s => s.HintName).Order());
    }

    private static void AssertOnlyOneMapperChanged(GeneratorRunResult result, IncrementalStepRunReason expected)
    {
        var outputs = result.TrackedSteps["AnonymousMappers"].SelectMany(s => s.Outputs).ToList();
        Assert.Single(outputs, o => o.Reason == expected);
        Assert.All(outputs.Where(o => o.Reason != expected), o => Assert.True(
            o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"an untouched shape's mapper was {o.Reason}"));
    }
}
