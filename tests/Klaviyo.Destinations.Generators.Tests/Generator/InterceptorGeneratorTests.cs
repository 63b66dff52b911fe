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
    public void Every_anonymous_call_with_an_event_name_is_intercepted_once_and_each_shape_is_written_once()
    {
        var (result, _) = GeneratorRunner.Run(Compilations.Create(InterceptorInputs.AnonymousCalls));
        var interceptors = result.GeneratedSources.Where(s => s.HintName.Contains("AnonymousPayload_", StringComparison.Ordinal)).Select(s => s.SourceText.ToString()).ToList();
        var shapes = result.GeneratedSources.Where(s => s.HintName.Contains("AnonymousShape_", StringComparison.Ordinal)).Select(s => s.SourceText.ToString()).ToList();
        var attributes = interceptors.SelectMany(t => t.Split('\n'))
            .Where(l => l.TrimStart().StartsWith("[global::System.Runtime.CompilerServices.InterceptsLocation(", StringComparison.Ordinal))
            .ToList();

        // Identify ×2, Track ×2, Page, TrackAsync, AudienceEntered: 7 call sites, one interceptor file each.
        // Track(userId, new { Plan }) has no event name and the dictionary needs no mapper.
        Assert.Equal(7, attributes.Count);
        Assert.Equal(7, interceptors.Count);
        Assert.DoesNotContain(interceptors.Concat(shapes), t => t.Contains("Plan = ", StringComparison.Ordinal));
        // 5 shapes: the two orders are one shape, and so are the two { Email } payloads (Identify and AudienceEntered).
        Assert.Equal(5, shapes.Count);
        Assert.All(shapes, t => Assert.DoesNotContain("ModuleInitializer", t, StringComparison.Ordinal));
        var order = Assert.Single(shapes, t => t.Contains("OrderId = ", StringComparison.Ordinal));
        var orderClass = ClassName(order);
        Assert.Equal(2, interceptors.Count(t => t.Contains("global::Klaviyo.Destinations.Generated." + orderClass + ".Mapper<", StringComparison.Ordinal)));
        var email = Assert.Single(shapes, t => t.Contains("new { Email = default(string)! })", StringComparison.Ordinal));
        var emails = interceptors.Where(t => t.Contains(ClassName(email) + ".Mapper<", StringComparison.Ordinal)).ToList();
        Assert.Contains(emails, t => t.Contains("klaviyoAnalytics.Identify<", StringComparison.Ordinal));
        Assert.Contains(emails, t => t.Contains("klaviyoAnalytics.AudienceEntered<", StringComparison.Ordinal));
    }

    private static string ClassName(string shapeFile)
    {
        var start = shapeFile.IndexOf("internal static class ", StringComparison.Ordinal) + "internal static class ".Length;
        return shapeFile[start..shapeFile.IndexOf('\n', start)].Trim();
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
        // A new shape: its interceptor and its shape's file are the only new files.
        var newFiles = afterAdd.GeneratedSources.Where(s => !before.ContainsKey(s.HintName)).ToList();
        Assert.Equal(2, newFiles.Count);
        Assert.Single(newFiles, s => s.HintName.Contains("AnonymousPayload_", StringComparison.Ordinal));
        var shape = Assert.Single(newFiles, s => s.HintName.Contains("AnonymousShape_", StringComparison.Ordinal));
        Assert.Contains("Source = default(string)!", shape.SourceText.ToString(), StringComparison.Ordinal);
        Assert.All(afterAdd.GeneratedSources.Where(s => before.ContainsKey(s.HintName)), s => Assert.Equal(before[s.HintName], s.SourceText.ToString()));

        driver = driver.RunGenerators(first);
        var afterRemove = Assert.Single(driver.GetRunResult().Results);
        AssertOnlyOneMapperChanged(afterRemove, IncrementalStepRunReason.Removed);
        Assert.Equal(before.Keys.Order(), afterRemove.GeneratedSources.Select(s => s.HintName).Order());
    }

    private static void AssertOnlyOneMapperChanged(GeneratorRunResult result, IncrementalStepRunReason expected)
    {
        // The new call's interceptor and its (new) shape's file; every other interceptor and shape decision reused.
        foreach (var step in new[] { "Interceptors", "ShapeFiles" })
        {
            var outputs = result.TrackedSteps[step].SelectMany(s => s.Outputs).ToList();
            Assert.Single(outputs, o => o.Reason == expected);
            Assert.All(outputs.Where(o => o.Reason != expected), o => Assert.True(
                o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"an untouched call's {step} output was {o.Reason}"));
        }
        Assert.All(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs).Where(o => o.Reason != expected), o => Assert.True(
            o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"a source output re-ran ({o.Reason})"));
    }

    /// <summary>A new call of a shape that is already written adds its interceptor only: the shape's file is not touched.</summary>
    [Fact]
    public void A_new_call_of_a_known_shape_adds_only_its_interceptor()
    {
        var first = Compilations.Create(InterceptorInputs.AnonymousCalls);
        var driver = GeneratorRunner.CreateDriver().RunGenerators(first);
        var before = Assert.Single(driver.GetRunResult().Results).GeneratedSources.ToDictionary(s => s.HintName, s => s.SourceText.ToString());

        // Path "/src/Z.cs" sorts after "/src/Input0.cs": the existing call stays the shape's owner.
        var added = first.AddSyntaxTrees(CSharpSyntaxTree.ParseText("""
            using Klaviyo.Destinations;

            public static class Again
            {
                public static void Run(Analytics analytics) => analytics.Identify("u", new { Email = "cy@example.com" });
            }
            """, Compilations.ParseOptions, path: "/src/Z.cs"));
        driver = driver.RunGenerators(added);
        var result = Assert.Single(driver.GetRunResult().Results);

        var newFile = Assert.Single(result.GeneratedSources, s => !before.ContainsKey(s.HintName));
        Assert.Contains("AnonymousPayload_", newFile.HintName, StringComparison.Ordinal);
        Assert.All(result.GeneratedSources.Where(s => before.ContainsKey(s.HintName)), s => Assert.Equal(before[s.HintName], s.SourceText.ToString()));
        Assert.Equal(before.Count + 1, result.GeneratedSources.Length);
        Assert.Single(result.TrackedSteps["Interceptors"].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.New);
        // The new call does not own the shape: its decision is "nothing to write"; no shape file re-ran.
        Assert.All(result.TrackedSteps["ShapeOwners"].SelectMany(s => s.Outputs), o => Assert.True(
            o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"the shape owners were {o.Reason}"));
    }
}
