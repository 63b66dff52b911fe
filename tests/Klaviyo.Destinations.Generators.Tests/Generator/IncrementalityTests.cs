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
            InterceptorInputs.AnonymousCalls, InterceptorInputs.HelperCalls);
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

    /// <summary>
    /// The build-cost app's edit (issue 23): a method body in the file that calls Identify/Track with models changes no
    /// model and no intercepted call elsewhere, so every source output — model mappers, the registry, the interceptors of
    /// other files — is reused (Cached/Unchanged) and no file is re-emitted.
    /// </summary>
    [Fact]
    public void Editing_the_file_that_calls_Analytics_with_models_reruns_no_mapper_output()
    {
        const string Models = """
            using System.Collections.Generic;
            using Klaviyo.Destinations;

            namespace Shop.Models;

            public sealed record Address(string Street, string City, string Country);
            [KlaviyoProfile] public sealed record Customer(string Email, string? FirstName, Address? Address, [CustomProperty] int Points);
            public sealed record Line(string ProductId, string Sku, decimal Price, int Quantity);
            [KlaviyoEvent("Order Placed")] public sealed record Order(string OrderId, decimal Revenue, IReadOnlyList<Line> Products);
            """;
        const string Service = """
            using Klaviyo.Destinations;
            using Shop.Models;

            namespace Shop;

            public static class Service
            {
                public static int Answer() => 42;
                public static void Send(Analytics a, Customer c) => a.Identify("user-1", c);
                public static void Send(Analytics a, Order o) => a.Track("user-1", o);
            }
            """;
        var first = Compilations.Create(Models, Service, InterceptorInputs.AnonymousCalls);
        var driver = GeneratorRunner.CreateDriver().RunGenerators(first);
        var before = Assert.Single(driver.GetRunResult().Results).GeneratedSources.ToDictionary(s => s.HintName, s => s.SourceText.ToString());

        var serviceTree = first.SyntaxTrees.ElementAt(1);
        var edited = serviceTree.WithChangedText(serviceTree.GetText().Replace(Service.IndexOf("42", StringComparison.Ordinal), 2, "43"));
        driver = driver.RunGenerators(first.ReplaceSyntaxTree(serviceTree, edited));
        var result = Assert.Single(driver.GetRunResult().Results);

        var outputs = result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs).ToList();
        Assert.NotEmpty(outputs);
        Assert.All(outputs, o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
            $"a source output re-ran ({o.Reason}) after an edit that touches no model"));
        foreach (var name in GeneratorRunner.TrackingNames.Where(result.TrackedSteps.ContainsKey))
            Assert.All(result.TrackedSteps[name].SelectMany(s => s.Outputs), o => Assert.True(
                o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"step '{name}' produced a {o.Reason} output"));
        Assert.Equal(before, result.GeneratedSources.ToDictionary(s => s.HintName, s => s.SourceText.ToString()));
        Assert.Contains("Shop.Models.Customer.KlaviyoProfileMapper.g.cs", before.Keys);
        Assert.Contains("Shop.Models.Order.KlaviyoEventMapper.g.cs", before.Keys);
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
