using System.Text.Json.Nodes;
using Klaviyo.Emulator;

namespace Klaviyo.Destinations.Tests.Cli;

/// <summary>
/// The mapping rules through <c>klaviyo-dest send</c> (NDJSON in, exact requests out, reasons and warnings on stderr):
/// properties.email, legacy <c>$</c> attributes in any case, Segment context, ISO-8601 times and the event time range,
/// trimmed and dropped identifiers, ecommerce values, and profile patch operations.
/// </summary>
public sealed class CliRuleTests : IAsyncLifetime
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("klaviyo-cli-rules-");
    private KlaviyoEmulator _klaviyo = null!;

    public async Task InitializeAsync() => _klaviyo = await KlaviyoEmulator.StartAsync();

    public async Task DisposeAsync()
    {
        await _klaviyo.DisposeAsync();
        _work.Delete(recursive: true);
    }

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Cli", "Fixtures", name);

    private static List<JsonObject> Lines(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();

    [Fact]
    public async Task Dry_run_prints_the_exact_requests_and_every_rejection_and_warning_with_its_line()
    {
        var (exit, stdout, stderr) = await CliProcess.RunAsync(_work.FullName, "send", Fixture("rules.ndjson"), "--dry-run", "--no-batch");

        Assert.Equal(1, exit);
        if (Environment.GetEnvironmentVariable("KLAVIYO_UPDATE_BASELINES") == "1")
            File.WriteAllText(Path.Combine(CliProcess.RepoRoot(), "tests", "Klaviyo.Destinations.Tests", "Cli", "Fixtures", "rules.expected.ndjson"), stdout);
        var expected = File.ReadAllLines(Fixture("rules.expected.ndjson"));
        var actual = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected[i]), JsonNode.Parse(actual[i])), $"request {i + 1} differs:\n{actual[i]}");

        var requests = Lines(stdout).Where(r => (string)r["path"]! == "/api/events")
            .ToDictionary(r => (string)r["body"]!["data"]!["attributes"]!["unique_id"]!, r => r, StringComparer.Ordinal);
        var profiles = Lines(stdout).Where(r => (string)r["path"]! == "/api/profile-import").Select(r => r["body"]!["data"]!.AsObject()).ToList();

        // 1. properties.email identifies the event's profile on JSON input.
        Assert.Equal("ada@example.com", (string?)requests["r1"]["body"]!["data"]!["attributes"]!["profile"]!["data"]!["attributes"]!["email"]);
        // 2. $ attributes in mParticle casing; an unknown one becomes a property without its $.
        var grace = profiles.Single(p => (string?)p["attributes"]!["email"] == "grace@example.com")["attributes"]!;
        Assert.Equal("Grace", (string?)grace["first_name"]);
        Assert.Equal("Hopper", (string?)grace["last_name"]);
        Assert.Equal("VA", (string?)grace["location"]!["region"]);
        Assert.Equal("22201", (string?)grace["location"]!["zip"]);
        Assert.Equal("app", (string?)grace["properties"]!["Source"]);
        // 3. Segment context: ip and locale from the context, the trait's timezone kept; the event's profile gets the ip.
        var ctx = profiles.Single(p => (string?)p["attributes"]!["email"] == "ctx@example.com")["attributes"]!;
        Assert.Equal("203.0.113.7", (string?)ctx["location"]!["ip"]);
        Assert.Equal("America/Chicago", (string?)ctx["location"]!["timezone"]);
        Assert.Equal("en-GB", (string?)ctx["locale"]);
        Assert.Equal("203.0.113.7", (string?)requests["r4"]["body"]!["data"]!["attributes"]!["profile"]!["data"]!["attributes"]!["location"]!["ip"]);
        // 5. The trimmed email is sent trimmed.
        Assert.Contains(profiles, p => (string?)p["attributes"]!["email"] == "trim@example.com");
        // 6. Checkout Started and Order Refunded get value with their currency; a currency alone stays a property.
        Assert.Equal(42.5, (double)requests["r9"]["body"]!["data"]!["attributes"]!["value"]!);
        Assert.Equal("USD", (string?)requests["r9"]["body"]!["data"]!["attributes"]!["value_currency"]);
        Assert.Equal(19.99, (double)requests["r10"]["body"]!["data"]!["attributes"]!["value"]!);
        Assert.False(requests["r11"]["body"]!["data"]!["attributes"]!.AsObject().ContainsKey("value_currency"));
        // 7. Patch operations become meta.patch_properties.
        var patched = profiles.Single(p => p.ContainsKey("meta"));
        Assert.Equal("""{"patch_properties":{"append":{"tags":["vip","beta"]},"unset":["legacy_score"]}}""", patched["meta"]!.ToJsonString());

        var errors = Lines(stderr).Where(e => !e.ContainsKey("summary")).ToList();
        Assert.Equal(
            [(5, "reason", null), (6, "reason", "time"), (7, "reason", "time"), (8, "warning", "email"), (8, "warning", "phone_number"),
             (13, "reason", "patch_properties.unappend.tags"), (14, "reason", null)],
            errors.Select(e => ((int)e["line"]!, e.ContainsKey("warning") ? "warning" : "reason", (string?)e["field"])));
        Assert.Contains("03/04/2026", (string)errors[0]["reason"]!);
        Assert.Contains("before 1990", (string)errors[1]["reason"]!);
        Assert.Contains("more than a year ahead", (string)errors[2]["reason"]!);
        Assert.Contains("surrounding whitespace", (string)errors[3]["warning"]!);
        Assert.Contains("left out", (string)errors[4]["warning"]!);
        Assert.Contains("two patch operations", (string)errors[5]["reason"]!);
        Assert.Contains("unknown operation 'remove'", (string)errors[6]["reason"]!);
    }

    [Fact]
    public async Task Enforce_email_as_primary_identifier_takes_the_email_from_the_event_properties()
    {
        var settings = Path.Combine(_work.FullName, "enforce.json");
        await File.WriteAllTextAsync(settings, """{"EnforceEmailAsPrimaryIdentifier": true}""");
        var input = Path.Combine(_work.FullName, "one.ndjson");
        await File.WriteAllTextAsync(input, """{"type":"track","userId":"u1","event":"Signed Up","properties":{"email":"ada@example.com"},"messageId":"e1"}""" + "\n");

        var (exit, stdout, stderr) = await CliProcess.RunAsync(_work.FullName, "send", input, "--dry-run", "--no-batch", "--settings", settings);

        Assert.True(exit == 0, stderr);
        var profile = Lines(stdout).Single()["body"]!["data"]!["attributes"]!["profile"]!["data"]!["attributes"]!;
        Assert.Equal("ada@example.com", (string?)profile["email"]);
        Assert.Equal("u1", (string?)profile["properties"]!["id"]);
    }

    [Fact]
    public async Task Sending_the_rules_into_the_emulator_is_accepted_and_applies_the_patch_and_the_context()
    {
        var input = Path.Combine(_work.FullName, "rules.ndjson");
        File.Copy(Fixture("rules.ndjson"), input);
        var seed = Path.Combine(_work.FullName, "seed.ndjson");
        await File.WriteAllTextAsync(seed, """{"type":"identify","userId":"u7","traits":{"email":"patch@example.com","tags":["old"],"legacy_score":3},"messageId":"s1"}""" + "\n");
        var common = new[] { "--base-url", _klaviyo.BaseAddress.ToString(), "--api-key", "pk_cli_test", "--quiet" };
        var (seedExit, _, seedErr) = await CliProcess.RunAsync(_work.FullName, ["send", seed, .. common]);
        Assert.True(seedExit == 0, seedErr);

        var (exit, stdout, stderr) = await CliProcess.RunAsync(_work.FullName, ["send", input, .. common]);

        Assert.Equal(1, exit);
        Assert.Empty(_klaviyo.State.RejectedRequests);
        Assert.Contains("\"warning\"", stderr);
        var patched = _klaviyo.State.FindProfile("patch@example.com")!;
        Assert.Equal("""["old","vip","beta"]""", patched.Properties["tags"]!.ToJsonString());
        Assert.False(patched.Properties.ContainsKey("legacy_score"));
        var ctx = _klaviyo.State.FindProfile("ctx@example.com")!;
        Assert.Equal("203.0.113.7", (string?)ctx.Location["ip"]);
        Assert.Equal("en-GB", (string?)ctx.Attributes["locale"]);
        Assert.Equal("trim@example.com", _klaviyo.State.FindProfile("trim@example.com")!.Email);
        Assert.Contains("rejected", stdout);
    }
}
