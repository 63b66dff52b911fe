using Klaviyo.Destinations.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Klaviyo.Destinations.Generators.Tests.Generator;

/// <summary>
/// Anonymous objects that reach Analytics through the user's generic helpers: no interceptor sees their shape inside the
/// helper, so the generator emits the shape's mapper at the helper's call and registers it from a module initializer.
/// </summary>
public sealed class HelperRegistrationTests
{
    private const string Prefix = "Klaviyo.Destinations.Generated.AnonymousShape_";

    /// <summary>The shape files that register their mapper with the runtime (those a helper passes on).</summary>
    private static List<(string HintName, string Text)> Registrations(GeneratorRunResult result) => result.GeneratedSources
        .Where(s => s.HintName.StartsWith(Prefix, StringComparison.Ordinal) && s.SourceText.ToString().Contains("[global::System.Runtime.CompilerServices.ModuleInitializer]", StringComparison.Ordinal))
        .OrderBy(s => s.HintName, StringComparer.Ordinal)
        .Select(s => (s.HintName, s.SourceText.ToString()))
        .ToList();

    [Fact]
    public void Registration_code_matches_its_baseline_and_compiles_without_warnings()
    {
        var input = Compilations.Create(InterceptorInputs.HelperCalls);
        Assert.Empty(input.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));

        var (result, output) = GeneratorRunner.Run(input);

        Baselines.Verify("HelperCalls", Registrations(result));
        var problems = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void One_and_two_level_helpers_register_the_shape_as_what_the_helper_passes_it_to()
    {
        var (result, _) = GeneratorRunner.Run(Compilations.Create(InterceptorInputs.HelperCalls));
        var files = Registrations(result).Select(f => f.Text).ToList();

        // Send (one level), Relay (two levels: Relay → Send → Track), Remember (an extension → Identify). Log never reaches
        // Analytics: nothing for its shape. Nothing is intercepted: no Analytics call is written with an anonymous object.
        Assert.Equal(3, files.Count);
        Assert.DoesNotContain(result.GeneratedSources, s => s.SourceText.ToString().Contains("Ignored", StringComparison.Ordinal));
        Assert.DoesNotContain(result.GeneratedSources, s => s.HintName.Contains("AnonymousPayload_", StringComparison.Ordinal));
        Assert.All(files, f => Assert.Contains("[global::System.Runtime.CompilerServices.ModuleInitializer]", f, StringComparison.Ordinal));
        Assert.All(files, f => Assert.DoesNotContain("InterceptsLocation", f, StringComparison.Ordinal));

        var send = Assert.Single(files, f => f.Contains("RegisterShape(static () => new { OrderId = default(string)!, Revenue = default(decimal), Products = ", StringComparison.Ordinal));
        var relay = Assert.Single(files, f => f.Contains("RegisterShape(static () => new { OrderId = default(string)!, Value = default(decimal) })", StringComparison.Ordinal));
        var remember = Assert.Single(files, f => f.Contains("RegisterShape(static () => new { Email = default(string)!, FirstName = default(string)! })", StringComparison.Ordinal));
        foreach (var track in new[] { send, relay })
        {
            Assert.Contains("KlaviyoMapperRegistry.Register<TShape>((global::Klaviyo.Destinations.Mapping.IKlaviyoEventMapper<TShape>)", track, StringComparison.Ordinal);
            Assert.DoesNotContain("IKlaviyoProfileMapper<TShape>)", track, StringComparison.Ordinal);
        }
        Assert.Contains("KlaviyoMapperRegistry.Register<TShape>((global::Klaviyo.Destinations.Mapping.IKlaviyoProfileMapper<TShape>)", remember, StringComparison.Ordinal);
        Assert.DoesNotContain("IKlaviyoEventMapper<TShape>)", remember, StringComparison.Ordinal);
        // The nested products are written by a generated helper for their anonymous type, as an interceptor's are.
        Assert.Contains("Write_Anonymous_", send, StringComparison.Ordinal);
    }

    [Fact]
    public void A_shape_passed_directly_and_through_a_helper_is_written_once_intercepted_and_registered()
    {
        const string Source = """
            using Klaviyo.Destinations;

            public static class Calls
            {
                static void Send<T>(Analytics a, T p) => a.Track("u", "Viewed", p);
                public static void Run(Analytics a)
                {
                    a.Track("u", "Viewed", new { Sku = "s-1" });
                    Send(a, new { Sku = "s-2" });
                    Send(a, new { Sku = "s-3" });
                }
            }
            """;
        var (result, output) = GeneratorRunner.Run(Compilations.Create(Source));
        var interceptor = Assert.Single(result.GeneratedSources, s => s.HintName.Contains("AnonymousPayload_", StringComparison.Ordinal));
        var shape = Assert.Single(result.GeneratedSources, s => s.HintName.StartsWith(Prefix, StringComparison.Ordinal));
        Assert.Single(Registrations(result));
        var shapeClass = shape.HintName["Klaviyo.Destinations.Generated.Anonymous".Length..^".g.cs".Length];
        Assert.Contains("KlaviyoAnonymous" + shapeClass + ".Mapper<", interceptor.SourceText.ToString(), StringComparison.Ordinal);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
    }

    [Fact]
    public void A_generic_local_function_called_from_top_level_statements_is_followed()
    {
        const string Program = """
            using Klaviyo.Destinations;

            var analytics = new Analytics(new KlaviyoDestinationOptions { ApiKey = "pk_x" });
            var payload = new { Plan = "pro", Seats = 3 };
            SignUp(analytics, "u", payload);

            static void SignUp<T>(Analytics analytics, string userId, T properties) => Forward(analytics, userId, properties);
            static void Forward<TProperties>(Analytics analytics, string userId, TProperties properties) => analytics.Track(userId, "Signed Up", properties);
            """;
        var input = CSharpCompilation.Create("App",
            [CSharpSyntaxTree.ParseText(Program, Compilations.ParseOptions, path: "/src/Program.cs")],
            TestReferences.All,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));
        Assert.Empty(input.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));

        var (result, output) = GeneratorRunner.Run(input);

        var registration = Assert.Single(Registrations(result));
        Assert.Contains("RegisterShape(static () => new { Plan = default(string)!, Seats = default(int) })", registration.Text, StringComparison.Ordinal);
        Assert.Contains("IKlaviyoEventMapper<TShape>)", registration.Text, StringComparison.Ordinal);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning));
    }

    [Fact]
    public void Adding_or_removing_a_helper_call_changes_only_its_own_output()
    {
        var first = Compilations.Create(InterceptorInputs.HelperCalls, InterceptorInputs.AnonymousCalls);
        var driver = GeneratorRunner.CreateDriver().RunGenerators(first);
        var before = Assert.Single(driver.GetRunResult().Results).GeneratedSources.ToDictionary(s => s.HintName, s => s.SourceText.ToString());

        var added = first.AddSyntaxTrees(CSharpSyntaxTree.ParseText(InterceptorInputs.OneMoreHelperCall, Compilations.ParseOptions, path: "/src/Signup.cs"));
        driver = driver.RunGenerators(added);
        var afterAdd = Assert.Single(driver.GetRunResult().Results);
        AssertOnlyOneRegistrationChanged(afterAdd, IncrementalStepRunReason.New);
        Assert.Single(afterAdd.TrackedSteps["ShapeFiles"].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.New);
        Assert.All(afterAdd.TrackedSteps["ShapeFiles"].SelectMany(s => s.Outputs).Where(o => o.Reason != IncrementalStepRunReason.New), o => Assert.True(
            o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"another shape's file decision was {o.Reason}"));
        var newFile = Assert.Single(afterAdd.GeneratedSources, s => !before.ContainsKey(s.HintName));
        Assert.StartsWith(Prefix, newFile.HintName, StringComparison.Ordinal);
        Assert.Contains("RegisterShape(static () => new { Source = default(string)! })", newFile.SourceText.ToString(), StringComparison.Ordinal);
        Assert.All(afterAdd.GeneratedSources.Where(s => before.ContainsKey(s.HintName)), s => Assert.Equal(before[s.HintName], s.SourceText.ToString()));
        // No helper changed: the helper graph is reused as it was.
        Assert.All(afterAdd.TrackedSteps["HelperReach"].SelectMany(s => s.Outputs), o => Assert.True(
            o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"the helper graph was {o.Reason}"));

        driver = driver.RunGenerators(first);
        var afterRemove = Assert.Single(driver.GetRunResult().Results);
        AssertOnlyOneRegistrationChanged(afterRemove, IncrementalStepRunReason.Removed);
        Assert.Equal(before.Keys.Order(), afterRemove.GeneratedSources.Select(s => s.HintName).Order());
    }

    private static void AssertOnlyOneRegistrationChanged(GeneratorRunResult result, IncrementalStepRunReason expected)
    {
        var outputs = result.TrackedSteps["HelperRegistrations"].SelectMany(s => s.Outputs).ToList();
        Assert.Single(outputs, o => o.Reason == expected);
        Assert.All(outputs.Where(o => o.Reason != expected), o => Assert.True(
            o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"another call's registration was {o.Reason}"));
    }
}
