extern alias KlaviyoGenerators;

using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using KlaviyoMapperGenerator = KlaviyoGenerators::Klaviyo.Destinations.Generators.KlaviyoMapperGenerator;

namespace Klaviyo.Destinations.Generators.Tests.Infrastructure;

/// <summary>Runs <see cref="KlaviyoMapperGenerator"/> over test compilations with step tracking on.</summary>
internal static class GeneratorRunner
{
    public static GeneratorDriver CreateDriver() =>
        CSharpGeneratorDriver.Create(
            [new KlaviyoMapperGenerator().AsSourceGenerator()],
            parseOptions: Compilations.ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator once; returns its result and the compilation with the generated files added.</summary>
    public static (GeneratorRunResult Result, Compilation Output) Run(Compilation input)
    {
        var driver = CreateDriver().RunGeneratorsAndUpdateCompilation(input, out var output, out var driverDiagnostics);
        Assert.Empty(driverDiagnostics);
        var result = Assert.Single(driver.GetRunResult().Results);
        Assert.Null(result.Exception);
        return (result, output);
    }

    /// <summary>The generator's pipeline step names (the constants of its internal <c>TrackingNames</c> class).</summary>
    public static IReadOnlyList<string> TrackingNames { get; } = typeof(KlaviyoMapperGenerator).Assembly
        .GetType("Klaviyo.Destinations.Generators.TrackingNames", throwOnError: true)!
        .GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .Select(f => (string)f.GetRawConstantValue()!)
        .OrderBy(n => n, StringComparer.Ordinal)
        .ToArray();
}
