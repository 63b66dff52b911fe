using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Klaviyo.Destinations.Generators.Tests.Infrastructure;

/// <summary>Test compilations configured like a user's project (latest C#, nullable on, a library).</summary>
internal static class Compilations
{
    /// <summary>Latest C#, with the generated interceptors' namespace enabled as the package's build props do.</summary>
    public static CSharpParseOptions ParseOptions { get; } = new CSharpParseOptions(LanguageVersion.Latest)
        .WithFeatures([new KeyValuePair<string, string>("InterceptorsNamespaces", "Klaviyo.Destinations.Generated")]);

    public static CSharpCompilation Create(params string[] sources) =>
        CSharpCompilation.Create(
            "UserAssembly",
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: "/src/Input" + i + ".cs")),
            TestReferences.All,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
}
