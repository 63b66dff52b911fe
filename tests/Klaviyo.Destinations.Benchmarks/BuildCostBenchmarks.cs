extern alias analyzers;
extern alias generator;

using System.Collections.Immutable;
using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using KlaviyoMapperGenerator = generator::Klaviyo.Destinations.Generators.KlaviyoMapperGenerator;
using MappedTypeAnalyzer = analyzers::Klaviyo.Destinations.Analyzers.MappedTypeAnalyzer;

namespace Klaviyo.Destinations.Benchmarks;

/// <summary>
/// Issue 23 §9: what the package adds to an incremental build of a 300-model app. Each benchmark is one build after an
/// edit — a new compilation of the same 30 files (300 annotated models: profiles with a nested address, events with a
/// product list, 300 Identify/Track call sites), compiled and emitted: without the package (the baseline), and with the
/// generator and every KLV analyzer — once with the generator driver's cached state (what the compiler server keeps
/// between builds) and once cold. Added time per build = package − baseline.
/// </summary>
[MemoryDiagnoser]
public class BuildCostBenchmarks
{
    private CSharpCompilation _compilation = null!;
    private GeneratorDriver _warm = null!;
    private ImmutableArray<DiagnosticAnalyzer> _analyzers;
    private SyntaxTree _edited = null!;
    private SyntaxTree _original = null!;

    [Params(300)]
    public int Models { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _compilation = App(Models);
        _original = _compilation.SyntaxTrees.Last();
        _edited = _original.WithChangedText(_original.GetText().Replace(_original.GetText().ToString().IndexOf("42", StringComparison.Ordinal), 2, "43"));
        if (AnalyzerDirectory is { } directory)
        {
            // Another build of the generator and analyzers (e.g. the previous commit's), loaded side by side with this one.
            var loader = new DirectoryAnalyzerLoader(directory);
            _generator = new AnalyzerFileReference(Path.Combine(directory, "Klaviyo.Destinations.Generators.dll"), loader).GetGenerators(LanguageNames.CSharp).Single();
            _analyzers = new AnalyzerFileReference(Path.Combine(directory, "Klaviyo.Destinations.Analyzers.dll"), loader).GetAnalyzers(LanguageNames.CSharp);
        }
        else
        {
            _generator = new KlaviyoMapperGenerator().AsSourceGenerator();
            _analyzers = [.. typeof(MappedTypeAnalyzer).Assembly.GetTypes()
                .Where(t => typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && !t.IsAbstract)
                .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)];
        }
        _warm = NewDriver().RunGenerators(_compilation);
    }

    /// <summary>
    /// For <see cref="BuildCostProbe"/>: a folder holding another build of <c>Klaviyo.Destinations.Generators.dll</c> and
    /// <c>Klaviyo.Destinations.Analyzers.dll</c> to measure instead of the referenced ones; null for the referenced ones.
    /// </summary>
    internal string? AnalyzerDirectory { get; init; }

    private ISourceGenerator _generator = null!;

    /// <summary>Loads our two assemblies from a folder into their own load context; Roslyn and Scriban come from this process.</summary>
    private sealed class DirectoryAnalyzerLoader(string directory) : IAnalyzerAssemblyLoader
    {
        private readonly System.Runtime.Loader.AssemblyLoadContext _context = new OwnContext(directory);

        public void AddDependencyLocation(string fullPath)
        {
        }

        public System.Reflection.Assembly LoadFromPath(string fullPath) => _context.LoadFromAssemblyPath(fullPath);

        private sealed class OwnContext(string directory) : System.Runtime.Loader.AssemblyLoadContext("klaviyo-build-cost-" + Path.GetFileName(directory))
        {
            protected override System.Reflection.Assembly? Load(System.Reflection.AssemblyName name) =>
                name.Name is { } n && n.StartsWith("Klaviyo.Destinations.", StringComparison.Ordinal) && File.Exists(Path.Combine(directory, n + ".dll"))
                    ? LoadFromAssemblyPath(Path.Combine(directory, n + ".dll"))
                    : null;
        }
    }

    /// <summary>A realistic app: 30 files of 10 models each and a service file calling Identify/Track for each model.</summary>
    internal static CSharpCompilation App(int models)
    {
        var trees = new List<SyntaxTree>();
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        for (var file = 0; file * 10 < models; file++)
        {
            var source = new StringBuilder("using System;\nusing System.Collections.Generic;\nusing Klaviyo.Destinations;\nnamespace Shop.Models;\n");
            for (var i = file * 10; i < Math.Min(models, file * 10 + 10); i++)
            {
                if (i % 2 == 0)
                {
                    source.Append($"public sealed record Address{i}(string Street, string City, string State, string PostalCode, string Country);\n");
                    source.Append($"[KlaviyoProfile] public sealed record Customer{i}(string Email, string? FirstName, string? LastName, string? Phone, Address{i}? Address, [CustomProperty] int Points, [CustomProperty(\"plan\")] string? Plan, [CustomProperty] DateTimeOffset? SignedUpAt, [NotMapped] string? Secret);\n");
                }
                else
                {
                    source.Append($"public sealed record Line{i}(string ProductId, string Sku, string Name, decimal Price, int Quantity, string? Url);\n");
                    source.Append($"[KlaviyoEvent(\"Order {i}\")] public sealed record Order{i}(string OrderId, decimal Revenue, string Currency, string? Coupon, int ItemCount, IReadOnlyList<Line{i}> Products, DateTime Timestamp);\n");
                }
            }
            trees.Add(CSharpSyntaxTree.ParseText(source.ToString(), parse, path: $"/app/Models{file}.cs"));
        }
        var calls = new StringBuilder("using Klaviyo.Destinations;\nusing Shop.Models;\nnamespace Shop;\npublic static class Service\n{\n    public static int Answer() => 42;\n");
        for (var i = 0; i < models; i++)
        {
            calls.Append(i % 2 == 0
                ? $"    public static void Send{i}(Analytics a, Customer{i} c) => a.Identify(\"user-{i}\", c);\n"
                : $"    public static void Send{i}(Analytics a, Order{i} o) => a.Track(\"user-{i}\", o);\n");
        }
        calls.Append("}\n");
        trees.Add(CSharpSyntaxTree.ParseText(calls.ToString(), parse, path: "/app/Service.cs"));
        return CSharpCompilation.Create("Shop", trees, GeneratorBenchmarks.References(),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
    }

    private GeneratorDriver NewDriver() =>
        CSharpGeneratorDriver.Create([_generator], parseOptions: new CSharpParseOptions(LanguageVersion.Latest));

    private CSharpCompilation Edited() => _compilation.ReplaceSyntaxTree(_original, _edited);

    private static int Emit(Compilation compilation)
    {
        using var pe = new MemoryStream();
        var result = compilation.Emit(pe);
        if (!result.Success) throw new InvalidOperationException(string.Join(Environment.NewLine, result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        return (int)pe.Length;
    }

    [Benchmark(Baseline = true, Description = "build after an edit, without the package")]
    public int WithoutPackage() => Emit(Edited());

    [Benchmark(Description = "build after an edit, generator (cached state) + analyzers")]
    public int WithPackage() => Build(_warm);

    [Benchmark(Description = "build after an edit, generator (cold) + analyzers")]
    public int WithPackageColdGenerator() => Build(NewDriver());

    [Benchmark(Description = "generator only (cached state)")]
    public int GeneratorOnly() => _warm.RunGenerators(Edited()).GetRunResult().GeneratedTrees.Length;

    [Benchmark(Description = "analyzers only")]
    public int AnalyzersOnly() => AnalyzersOnly(_analyzers);

    /// <summary>Runs only <paramref name="analyzers"/> over the edited app (for the per-analyzer breakdown).</summary>
    internal int AnalyzersOnly(ImmutableArray<DiagnosticAnalyzer> analyzers) =>
        Edited().WithAnalyzers(analyzers).GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult().Length;

    /// <summary>The KLV analyzers being measured.</summary>
    internal ImmutableArray<DiagnosticAnalyzer> Analyzers => _analyzers;

    /// <summary>Each analyzer's execution time over the app with its generated code (Roslyn's telemetry), slowest first.</summary>
    internal IEnumerable<(string Name, TimeSpan Time)> AnalyzerTimes()
    {
        _warm.RunGeneratorsAndUpdateCompilation(Edited(), out var output, out _);
        var withAnalyzers = output.WithAnalyzers(_analyzers, new CompilationWithAnalyzersOptions(
            new AnalyzerOptions([]), onAnalyzerException: null, concurrentAnalysis: true, logAnalyzerExecutionTime: true));
        withAnalyzers.GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
        return _analyzers
            .Select(a => (a.GetType().Name, withAnalyzers.GetAnalyzerTelemetryInfoAsync(a, CancellationToken.None).GetAwaiter().GetResult().ExecutionTime))
            .OrderByDescending(t => t.ExecutionTime)
            .ToList();
    }

    /// <summary>Runs the generator, the analyzers (as csc does, over the compilation with the generated code) and emits.</summary>
    internal int Build(GeneratorDriver driver)
    {
        driver.RunGeneratorsAndUpdateCompilation(Edited(), out var output, out _);
        var withAnalyzers = output.WithAnalyzers(_analyzers);
        var diagnostics = withAnalyzers.GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
        if (diagnostics.Any(d => d.Severity >= DiagnosticSeverity.Warning))
            throw new InvalidOperationException("The 300-model app should build warning-free: " + string.Join(Environment.NewLine, diagnostics.Take(5)));
        // Emit the compilation the analyzers bound (csc analyses and emits one compilation), so declarations are not bound twice.
        return Emit(withAnalyzers.Compilation) + diagnostics.Length;
    }
}
