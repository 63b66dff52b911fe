using System.ComponentModel;
using System.Reflection;
using System.Text;
using Klaviyo.Destinations.Mapping;
using Klaviyo.Destinations.Tests.Cli;
using Klaviyo.Emulator;

namespace Klaviyo.Destinations.Tests.PublicApi;

/// <summary>
/// The public surface is deliberate: each shipped assembly's public types and members are listed in a checked-in
/// <c>PublicAPI.txt</c> next to its project, and a change to the surface fails here until the list is updated with
/// <c>KLAVIYO_UPDATE_BASELINES=1 dotnet test tests/Klaviyo.Destinations.Tests -c Release --filter FullyQualifiedName~PublicApiTests</c>
/// (the diff then shows the change for review).
/// </summary>
public sealed class PublicApiTests
{
    public static TheoryData<string> Assemblies() => new() { "Klaviyo.Destinations", "Klaviyo.Destinations.Abstractions", "Klaviyo.Emulator" };

    private static Assembly Load(string name) => name switch
    {
        "Klaviyo.Destinations" => typeof(Analytics).Assembly,
        "Klaviyo.Destinations.Abstractions" => typeof(KlaviyoProfileAttribute).Assembly,
        _ => typeof(KlaviyoEmulator).Assembly,
    };

    [Theory]
    [MemberData(nameof(Assemblies))]
    public void The_public_surface_matches_the_checked_in_list(string assembly)
    {
        var path = Path.Combine(CliProcess.RepoRoot(), "src", assembly, "PublicAPI.txt");
        var actual = PublicApiListing.Of(Load(assembly));
        if (Environment.GetEnvironmentVariable("KLAVIYO_UPDATE_BASELINES") == "1")
            File.WriteAllText(path, PublicApiListing.Text(actual), new UTF8Encoding(false));
        Assert.True(File.Exists(path), $"{path} is missing.");
        var expected = File.ReadAllText(path, Encoding.UTF8).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var added = actual.Except(expected, StringComparer.Ordinal).ToList();
        var removed = expected.Except(actual, StringComparer.Ordinal).ToList();
        Assert.True(added.Count == 0 && removed.Count == 0,
            $"The public API of {assembly} changed. If that is deliberate, update src/{assembly}/PublicAPI.txt with\n" +
            "  KLAVIYO_UPDATE_BASELINES=1 dotnet test tests/Klaviyo.Destinations.Tests -c Release --filter FullyQualifiedName~PublicApiTests\n" +
            "and review the diff.\n" +
            string.Concat(added.Select(l => $"+ {l}\n")) + string.Concat(removed.Select(l => $"- {l}\n")));
    }

    [Fact]
    public void The_types_only_the_cli_and_tests_use_are_not_public()
    {
        foreach (var type in new[]
                 {
                     typeof(global::Klaviyo.Destinations.Rules.MessageMapper), typeof(global::Klaviyo.Destinations.Rules.MappingResult), typeof(global::Klaviyo.Destinations.Rules.Naming),
                     typeof(RequestPlanner), typeof(PlannedRequest), typeof(RequestComposer),
                 })
            Assert.False(type.IsPublic, $"{type.Name} is public; it exists for the CLI, which reaches it through InternalsVisibleTo.");
    }

    [Fact]
    public void The_helpers_generated_mappers_call_stay_public_but_out_of_IntelliSense()
    {
        foreach (var type in new[]
                 {
                     typeof(ProfileWriter), typeof(EventWriter), typeof(KlaviyoPropertyWriter), typeof(KlaviyoJsonValue),
                     typeof(KlaviyoMapperRegistry), typeof(IKlaviyoProfileMapper<>), typeof(IKlaviyoEventMapper<>),
                 })
        {
            Assert.True(type.IsPublic, $"{type.Name} must stay public: generated code in the user's assembly calls it.");
            Assert.Equal(EditorBrowsableState.Never, type.GetCustomAttribute<EditorBrowsableAttribute>()?.State);
        }
    }
}
