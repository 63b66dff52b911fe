using System.Text;

namespace Klaviyo.Destinations.Generators.Tests.Infrastructure;

/// <summary>
/// Checked-in expected generator output under <c>Baselines/{case}/{hint name}.txt</c>. Run the tests with
/// <c>KLAVIYO_UPDATE_BASELINES=1</c> to rewrite them from the current generator, then review the diff.
/// </summary>
internal static class Baselines
{
    public const string UpdateVariable = "KLAVIYO_UPDATE_BASELINES";

    public static bool Updating => Environment.GetEnvironmentVariable(UpdateVariable) == "1";

    /// <summary>Compares (or, when updating, rewrites) the generated files of one case; fails listing every difference.</summary>
    public static void Verify(string caseName, IReadOnlyList<(string HintName, string Text)> generated)
    {
        var directory = Path.Combine(ProjectDirectory(), "Baselines", caseName);
        if (Updating)
        {
            Directory.CreateDirectory(directory);
            foreach (var stale in Directory.GetFiles(directory, "*.txt")) File.Delete(stale);
            foreach (var (hint, text) in generated) File.WriteAllText(Path.Combine(directory, hint + ".txt"), Normalize(text), new UTF8Encoding(false));
            return;
        }

        var problems = new List<string>();
        var expectedFiles = Directory.Exists(directory)
            ? Directory.GetFiles(directory, "*.txt").Select(f => Path.GetFileNameWithoutExtension(f)).ToHashSet(StringComparer.Ordinal)
            : [];
        foreach (var (hint, text) in generated)
        {
            var path = Path.Combine(directory, hint + ".txt");
            if (!expectedFiles.Remove(hint))
            {
                problems.Add($"{hint}: generated but has no baseline ({path})");
                continue;
            }
            var expected = Normalize(File.ReadAllText(path));
            var actual = Normalize(text);
            if (expected != actual) problems.Add($"{hint}: differs from its baseline at line {FirstDifferentLine(expected, actual)}");
        }
        foreach (var missing in expectedFiles) problems.Add($"{missing}: has a baseline but was not generated");
        Assert.True(problems.Count == 0,
            $"Generated code for '{caseName}' does not match Baselines/{caseName}; if the change is intended, run with {UpdateVariable}=1 and review the diff:"
            + Environment.NewLine + string.Join(Environment.NewLine, problems));
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).TrimStart('\uFEFF');

    private static int FirstDifferentLine(string expected, string actual)
    {
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        for (var i = 0; i < Math.Min(e.Length, a.Length); i++)
            if (e[i] != a[i]) return i + 1;
        return Math.Min(e.Length, a.Length) + 1;
    }

    /// <summary>The test project's source directory, found from the test assembly's output directory.</summary>
    private static string ProjectDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Klaviyo.Destinations.Generators.Tests.csproj"))) return dir.FullName;
        throw new InvalidOperationException("Cannot find the Klaviyo.Destinations.Generators.Tests project directory above " + AppContext.BaseDirectory);
    }
}
