using Klaviyo.Destinations.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Klaviyo.Destinations.Generators.Tests.Generator;

/// <summary>An edit that changes no mapped type must not redo the generator's work (every tracked step Cached/Unchanged).</summary>
public sealed class IncrementalityTests
{
    private const string MixedFile = """
        using Klaviyo.Destinations;

        namespace Shop;

        [KlaviyoProfile]
        public sealed record Customer(string Email, string? FirstName, int LoyaltyPoints);

        public static class Pricing
        {
            public static decimal Total(decimal price, int quantity) => price * quantity;
        }
        """;

    [Fact]
    public void Unrelated_edits_leave_every_tracked_step_cached_or_unchanged()
    {
        var first = Compilations.Create(MixedFile, GeneratorInputs.EventWithProducts, GeneratorInputs.TableLookups, GeneratorInputs.ModelShapes,
            InterceptorInputs.AnonymousCalls);
        var driver = GeneratorRunner.CreateDriver().RunGenerators(first);
        var firstResult = Assert.Single(driver.GetRunResult().Results);
        Assert.All(GeneratorRunner.TrackingNames, name => Assert.True(firstResult.TrackedSteps.ContainsKey(name), $"step '{name}' did not run"));

        // Edit 1: a method body in an unrelated class, in the same file as a mapped type. Edit 2: a new file.
        var oldTree = first.SyntaxTrees.First();
        var newTree = oldTree.WithChangedText(oldTree.GetText().Replace(
            MixedFile.IndexOf("price * quantity", StringComparison.Ordinal), "price * quantity".Length, "quantity * price"));
        var second = first.ReplaceSyntaxTree(oldTree, newTree)
            .AddSyntaxTrees(CSharpSyntaxTree.ParseText("public static class Unrelated { public static int Answer() => 42; }", Compilations.ParseOptions, path: "/src/Unrelated.cs"));

        driver = driver.RunGenerators(second);
        var secondResult = Assert.Single(driver.GetRunResult().Results);

        foreach (var name in GeneratorRunner.TrackingNames)
        {
            var steps = secondResult.TrackedSteps[name];
            var outputs = steps.SelectMany(s => s.Outputs).ToList();
            Assert.NotEmpty(outputs);
            Assert.All(outputs, o => Assert.True(
                o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                $"step '{name}' produced a {o.Reason} output ({o.Value}) after an unrelated edit"));
        }
        Assert.All(secondResult.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs), o => Assert.True(
            o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
            $"a source output re-ran ({o.Reason}) after an unrelated edit"));
        Assert.Equal(
            firstResult.GeneratedSources.Select(s => s.HintName),
            secondResult.GeneratedSources.Select(s => s.HintName));
    }

    [Fact]
    public void Editing_a_mapped_type_reruns_its_model()
    {
        var first = Compilations.Create(MixedFile);
        var driver = GeneratorRunner.CreateDriver().RunGenerators(first);

        var oldTree = first.SyntaxTrees.First();
        var newTree = oldTree.WithChangedText(oldTree.GetText().Replace(
            MixedFile.IndexOf("int LoyaltyPoints", StringComparison.Ordinal), "int LoyaltyPoints".Length, "string? LastName"));
        driver = driver.RunGenerators(first.ReplaceSyntaxTree(oldTree, newTree));
        var result = Assert.Single(driver.GetRunResult().Results);

        Assert.Contains(result.TrackedSteps["ProfileModels"].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains("ProfileField.LastName", result.GeneratedSources.Single(s => s.HintName == "Shop.Customer.KlaviyoProfileMapper.g.cs").SourceText.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Changing_the_naming_policy_respells_names_without_reparsing_any_model()
    {
        const string Options = "[assembly: Klaviyo.Destinations.KlaviyoMappingOptions(PropertyNaming = Klaviyo.Destinations.PropertyNaming.AsDeclared)]";
        var first = Compilations.Create(MixedFile, Options);
        var driver = GeneratorRunner.CreateDriver().RunGenerators(first);
        Assert.Contains("Encode(\"LoyaltyPoints\")", Mapper(driver), StringComparison.Ordinal);

        var optionsTree = first.SyntaxTrees.Last();
        var snake = optionsTree.WithChangedText(Microsoft.CodeAnalysis.Text.SourceText.From(Options.Replace("AsDeclared", "SnakeCase", StringComparison.Ordinal)));
        driver = driver.RunGenerators(first.ReplaceSyntaxTree(optionsTree, snake));
        var result = Assert.Single(driver.GetRunResult().Results);

        // The model is policy-free (the name is respelled when emitting), so only the options step changes.
        Assert.All(result.TrackedSteps["ProfileModels"].SelectMany(s => s.Outputs), o => Assert.True(
            o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"ProfileModels re-ran: {o.Reason}"));
        Assert.Contains(result.TrackedSteps["Options"].SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains("Encode(\"loyalty_points\")", Mapper(driver), StringComparison.Ordinal);

        static string Mapper(GeneratorDriver d) =>
            d.GetRunResult().Results.Single().GeneratedSources.Single(s => s.HintName == "Shop.Customer.KlaviyoProfileMapper.g.cs").SourceText.ToString();
    }
}
