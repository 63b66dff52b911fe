extern alias generator;

using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using KlaviyoMapperGenerator = generator::Klaviyo.Destinations.Generators.KlaviyoMapperGenerator;

namespace Klaviyo.Destinations.Benchmarks;

/// <summary>Issue 9 §7: the generator over a project with 500 annotated models, cold and after an unrelated edit.</summary>
[MemoryDiagnoser]
public class GeneratorBenchmarks
{
    private CSharpCompilation _compilation = null!;
    private GeneratorDriver _warm = null!;
    private SyntaxTree _unrelated = null!;

    [Params(500)]
    public int Models { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var source = new StringBuilder("using Klaviyo.Destinations;\nusing System.Collections.Generic;\nnamespace Shop.Models;\n");
        for (var i = 0; i < Models; i++)
        {
            source.Append($"[KlaviyoProfile] public sealed record Customer{i}(string Email, string? FirstName, string? LastName, string? Phone, Address{i}? Address, int Points, [NotMapped] string? Secret);\n");
            source.Append($"public sealed record Address{i}(string Street, string City, string State, string PostalCode, string Country);\n");
            source.Append($"[KlaviyoEvent(\"Order {i}\")] public sealed record Order{i}(string OrderId, decimal Revenue, string Currency, IReadOnlyList<Line{i}> Products);\n");
            source.Append($"public sealed record Line{i}(string ProductId, string Name, decimal Price, int Quantity);\n");
        }
        _compilation = CSharpCompilation.Create("Shop",
            [CSharpSyntaxTree.ParseText(source.ToString(), new CSharpParseOptions(LanguageVersion.Latest))],
            References(),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        _unrelated = CSharpSyntaxTree.ParseText("namespace Shop; public static class Unrelated { public static int Answer() => 42; }");
        _warm = NewDriver().RunGenerators(_compilation);
    }

    private static GeneratorDriver NewDriver() =>
        CSharpGeneratorDriver.Create([new KlaviyoMapperGenerator().AsSourceGenerator()], parseOptions: new CSharpParseOptions(LanguageVersion.Latest));

    internal static IEnumerable<MetadataReference> References()
    {
        var trusted = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        return trusted.Where(p => Path.GetFileName(p).StartsWith("System", StringComparison.Ordinal) || Path.GetFileName(p) is "netstandard.dll" or "mscorlib.dll")
            .Append(typeof(KlaviyoProfileAttribute).Assembly.Location)
            .Append(typeof(Mapping.ProfileWriter).Assembly.Location)
            .Select(p => MetadataReference.CreateFromFile(p));
    }

    // Both cases get a new compilation (as after any edit), so both pay the same binding work; they differ only in
    // whether the generator driver has its cached pipeline state from an earlier run.
    [Benchmark(Description = "generator, cold run (500 profiles + 500 events)")]
    public int Cold() => NewDriver().RunGenerators(_compilation.AddSyntaxTrees(_unrelated)).GetRunResult().GeneratedTrees.Length;

    [Benchmark(Description = "generator, after an unrelated edit")]
    public int UnrelatedEdit() => _warm.RunGenerators(_compilation.AddSyntaxTrees(_unrelated)).GetRunResult().GeneratedTrees.Length;
}
