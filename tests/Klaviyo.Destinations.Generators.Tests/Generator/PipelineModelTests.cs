using System.Collections;
using System.Reflection;
using Klaviyo.Destinations.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace Klaviyo.Destinations.Generators.Tests.Generator;

/// <summary>
/// The values flowing between pipeline steps hold no Roslyn object: a symbol, node, location, tree or compilation
/// would keep whole compilations alive and defeat caching (each new compilation makes them unequal).
/// </summary>
public sealed class PipelineModelTests
{
    private static readonly Type[] s_forbidden =
    [
        typeof(ISymbol), typeof(SyntaxNode), typeof(SyntaxToken), typeof(Location), typeof(SyntaxTree),
        typeof(Compilation), typeof(SemanticModel), typeof(AttributeData),
    ];

    [Fact]
    public void No_roslyn_object_is_reachable_from_any_tracked_step_output()
    {
        var compilation = Compilations.Create(
            GeneratorInputs.ProfileWithEveryMember, GeneratorInputs.EventWithProducts, GeneratorInputs.NestedTypes, GeneratorInputs.TableLookups,
            InterceptorInputs.AnonymousCalls, InterceptorInputs.HelperCalls);
        var (result, _) = GeneratorRunner.Run(compilation);

        var leaks = new List<string>();
        var visited = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var walked = 0;
        foreach (var name in GeneratorRunner.TrackingNames)
        {
            Assert.True(result.TrackedSteps.TryGetValue(name, out var steps), $"step '{name}' did not run");
            foreach (var (value, _) in steps.SelectMany(s => s.Outputs))
            {
                walked++;
                Walk(value, name, visited, leaks, depth: 0);
            }
        }

        Assert.True(walked >= GeneratorRunner.TrackingNames.Count, "too few outputs to be a meaningful check");
        Assert.True(leaks.Count == 0, "Roslyn objects leaked into the pipeline model:" + Environment.NewLine + string.Join(Environment.NewLine, leaks.Distinct()));
    }

    [Fact]
    public void The_walker_finds_a_symbol_when_there_is_one()
    {
        var compilation = Compilations.Create("public sealed class C { }");
        var leaks = new List<string>();
        Walk(new { Model = "x", Nested = new object[] { compilation.GetTypeByMetadataName("C")! } }, "probe", new HashSet<object>(ReferenceEqualityComparer.Instance), leaks, 0);

        Assert.Single(leaks);
    }

    private static void Walk(object? value, string path, HashSet<object> visited, List<string> leaks, int depth)
    {
        if (value is null || depth > 64) return;
        var type = value.GetType();
        if (type.IsPrimitive || type.IsEnum || value is string or decimal or DateTime or DateTimeOffset or Guid) return;
        if (s_forbidden.Any(f => f.IsInstanceOfType(value)))
        {
            leaks.Add($"{path}: {type.FullName}");
            return;
        }
        if (!type.IsValueType && !visited.Add(value)) return;

        if (value is IEnumerable sequence && value is not string)
        {
            var i = 0;
            foreach (var item in sequence) Walk(item, $"{path}[{i++}]", visited, leaks, depth + 1);
        }
        for (var t = type; t is not null && t != typeof(object); t = t.BaseType)
        {
            foreach (var field in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                if (field.FieldType.IsPointer || field.FieldType.IsByRefLike) continue;
                Walk(field.GetValue(value), path + "." + field.Name, visited, leaks, depth + 1);
            }
        }
    }
}
