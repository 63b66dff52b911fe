using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Klaviyo.Destinations.Tests.Delivery;
using Klaviyo.Emulator;
using Xunit.Abstractions;

namespace Klaviyo.Destinations.Tests.OfficialSdk;

/// <summary>
/// Klaviyo's official Node SDK (npm klaviyo-api, pinned in tests/Klaviyo.OfficialSdk.Conformance) against the emulator:
/// the SDK's own suite must pass, and for the same data our SDK must put the same JSON on the wire.
/// </summary>
public sealed class OfficialSdkTests(NodeProject project, ITestOutputHelper output) : IClassFixture<NodeProject>
{
    [NodeFact]
    public async Task The_official_SDK_suite_passes_against_the_emulator()
    {
        await using var klaviyo = await KlaviyoEmulator.StartAsync(new KlaviyoEmulatorOptions
        {
            Port = 0,
            ForbiddenApiKeys = new HashSet<string>(StringComparer.Ordinal) { "pk_forbidden" },
        });
        var run = await project.RunAsync("npm", ["test"], new Dictionary<string, string>
        {
            ["KLAVIYO_BASE_URL"] = klaviyo.BaseAddress.ToString(),
            ["KLAVIYO_FORBIDDEN_KEY"] = "pk_forbidden",
        });
        output.WriteLine(run.Output);
        Assert.True(run.ExitCode == 0, "The official SDK's suite failed against the emulator:\n" + run.Output);
        Assert.Contains("# fail 0", run.Output);
        Assert.Matches(@"# pass [1-9]\d*", run.Output);
        Assert.Equal(0, klaviyo.Counters.WithStatus(415));
    }

    [NodeFact]
    public async Task Our_SDK_sends_the_official_SDK_bodies_for_the_same_data()
    {
        var run = await project.RunAsync("node", ["bodies.mjs"], new Dictionary<string, string>());
        Assert.True(run.ExitCode == 0, run.Output);
        var official = JsonNode.Parse(run.StandardOutput)!.AsObject();

        await using var klaviyo = await KlaviyoEmulator.StartAsync(new KlaviyoEmulatorOptions { Port = 0, RateLimitsEnabled = false });
        var recorder = new RecordingHandler();
        using var http = new HttpClient(recorder);
        var outcomes = new ConcurrentQueue<DeliveryOutcome>();
        await using (var analytics = new Analytics(new KlaviyoDestinationOptions
        {
            QueueStorage = QueueStorage.Memory,
            ApiKey = "pk_bodies",
            BaseUrl = klaviyo.BaseAddress,
            DeliveryMode = DeliveryMode.LowLatency,
            OnOutcome = outcomes.Enqueue,
        }, http))
        {
            analytics.Identify("user-42", new Dictionary<string, object?>
            {
                ["email"] = "ada@example.com",
                ["phone"] = "+14155550100",
                ["firstName"] = "Ada",
                ["lastName"] = "Lovelace",
                ["address"] = new Dictionary<string, object?> { ["city"] = "London", ["country"] = "United Kingdom" },
                ["plan"] = "pro",
            });
            await analytics.FlushAsync();
            analytics.Track("user-42", "Signed Up", new Dictionary<string, object?>
            {
                ["plan"] = "pro",
                ["seats"] = 3,
                ["revenue"] = 49.5,
                ["currency"] = "USD",
            }, new MessageOptions
            {
                MessageId = "msg-1",
                Timestamp = new DateTimeOffset(2026, 3, 4, 5, 6, 7, 89, TimeSpan.Zero),
                Identities = new Dictionary<UserIdentity, string> { [UserIdentity.Email] = "ada@example.com", [UserIdentity.MobileNumber] = "+14155550100" },
            });
            await analytics.FlushAsync();
        }

        Assert.All(outcomes, o => Assert.Equal(DeliveryStatus.Delivered, o.Status));
        foreach (var endpoint in new[] { "POST /api/profile-import", "POST /api/events" })
        {
            var ours = JsonNode.Parse(recorder.Exchanges.Last(e => $"{e.Method} {e.Path}" == endpoint).RequestBody!)!;
            var theirs = official[endpoint]!["body"]!;
            output.WriteLine($"{endpoint}\n  official: {theirs.ToJsonString()}\n  ours:     {ours.ToJsonString()}");
            var differences = new List<string>();
            Diff(theirs, ours, string.Empty, differences);
            Assert.True(differences.Count == 0, $"{endpoint}: our body differs from the official SDK's:\n  " + string.Join("\n  ", differences));
        }
    }

    /// <summary>Structural JSON differences (member order ignored; times compared as instants).</summary>
    private static void Diff(JsonNode? expected, JsonNode? actual, string pointer, List<string> differences)
    {
        switch (expected, actual)
        {
            case (JsonObject e, JsonObject a):
                foreach (var (name, value) in e)
                {
                    if (!a.ContainsKey(name)) differences.Add($"{pointer}/{name}: missing in ours (official: {value?.ToJsonString()})");
                    else Diff(value, a[name], $"{pointer}/{name}", differences);
                }

                foreach (var (name, value) in a)
                {
                    if (!e.ContainsKey(name)) differences.Add($"{pointer}/{name}: only in ours ({value?.ToJsonString()})");
                }

                break;
            case (JsonArray e, JsonArray a):
                if (e.Count != a.Count) differences.Add($"{pointer}: {e.Count} items in the official body, {a.Count} in ours");
                for (var i = 0; i < Math.Min(e.Count, a.Count); i++) Diff(e[i], a[i], $"{pointer}/{i}", differences);
                break;
            default:
                if (expected is JsonValue ev && actual is JsonValue av
                    && ev.TryGetValue<string>(out var es) && av.TryGetValue<string>(out var @as)
                    && DateTimeOffset.TryParse(es, System.Globalization.CultureInfo.InvariantCulture, out var et)
                    && DateTimeOffset.TryParse(@as, System.Globalization.CultureInfo.InvariantCulture, out var at))
                {
                    if (et != at) differences.Add($"{pointer}: official {es}, ours {@as}");
                }
                else if (!JsonNode.DeepEquals(expected, actual))
                {
                    differences.Add($"{pointer}: official {expected?.ToJsonString()}, ours {actual?.ToJsonString()}");
                }

                break;
        }
    }
}
