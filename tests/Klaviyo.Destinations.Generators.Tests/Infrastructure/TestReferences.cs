using System.Collections.Immutable;
using Klaviyo.Destinations.Mapping;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace Klaviyo.Destinations.Generators.Tests.Infrastructure;

/// <summary>
/// Metadata references for test compilations, built from the running runtime: the <c>ReferenceAssemblies.Net.*</c>
/// packs are not on the package mirror. The framework comes from the trusted platform assemblies that live in the
/// shared framework directory (so the test host's own Roslyn, xunit and the generator assemblies are left out), plus
/// Klaviyo.Destinations.Abstractions, the runtime and whatever the runtime references.
/// </summary>
internal static class TestReferences
{
    /// <summary>A reference-assembly set that resolves to nothing and never touches NuGet.</summary>
    public static ReferenceAssemblies None { get; } = new("net10.0");

    public static ImmutableArray<MetadataReference> All { get; } = Build();

    private static ImmutableArray<MetadataReference> Build()
    {
        var trusted = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        var frameworkDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var byName = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var path in trusted) byName.TryAdd(Path.GetFileNameWithoutExtension(path), path);

        var paths = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var path in trusted)
            if (string.Equals(Path.GetDirectoryName(path), frameworkDirectory, StringComparison.Ordinal)) paths.Add(path);

        // The runtime and its dependencies outside the shared framework, found by name among the trusted assemblies.
        var visited = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Queue<System.Reflection.Assembly>([typeof(KlaviyoProfileAttribute).Assembly, typeof(ProfileWriter).Assembly]);
        while (pending.Count > 0)
        {
            var assembly = pending.Dequeue();
            if (!visited.Add(assembly.Location)) continue;
            paths.Add(assembly.Location);
            foreach (var dependency in assembly.GetReferencedAssemblies())
            {
                if (dependency.Name is null || !byName.TryGetValue(dependency.Name, out var path)) continue;
                if (string.Equals(Path.GetDirectoryName(path), frameworkDirectory, StringComparison.Ordinal)) continue;
                pending.Enqueue(System.Reflection.Assembly.Load(dependency));
            }
        }
        return paths.Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToImmutableArray();
    }
}
