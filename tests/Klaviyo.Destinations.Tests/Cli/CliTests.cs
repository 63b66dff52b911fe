using System.Text.Json.Nodes;
using Klaviyo.Emulator;

namespace Klaviyo.Destinations.Tests.Cli;

/// <summary>klaviyo-dest as a process: dry run, send into the emulator, resume, bad lines, exit codes.</summary>
public sealed class CliTests : IAsyncLifetime
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("klaviyo-cli-");
    private KlaviyoEmulator _klaviyo = null!;

    public async Task InitializeAsync() => _klaviyo = await KlaviyoEmulator.StartAsync();

    public async Task DisposeAsync()
    {
        await _klaviyo.DisposeAsync();
        _work.Delete(recursive: true);
    }

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Cli", "Fixtures", name);

    private string Copy(string fixture)
    {
        var path = Path.Combine(_work.FullName, fixture);
        File.Copy(Fixture(fixture), path, overwrite: true);
        return path;
    }

    private string[] Send(string file, params string[] more) =>
        ["send", file, "--base-url", _klaviyo.BaseAddress.ToString(), "--api-key", "pk_cli_test", "--quiet", .. more];

    [Fact]
    public async Task Dry_run_prints_the_exact_requests_in_order_and_rejections_with_line_numbers()
    {
        var (exit, stdout, stderr) = await CliProcess.RunAsync(_work.FullName, "send", Fixture("segment-sample.ndjson"), "--dry-run");

        Assert.Equal(1, exit);
        var expectedPath = Fixture("segment-sample.expected.ndjson");
        if (Environment.GetEnvironmentVariable("KLAVIYO_UPDATE_BASELINES") == "1")
            File.WriteAllText(Path.Combine(CliProcess.RepoRoot(), "tests", "Klaviyo.Destinations.Tests", "Cli", "Fixtures", "segment-sample.expected.ndjson"), stdout);
        var expected = File.ReadAllLines(expectedPath);
        var actual = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected[i]), JsonNode.Parse(actual[i])), $"request {i + 1} differs:\n{actual[i]}");
        var requests = actual.Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal("/api/profile-import", (string)requests[0]["path"]!);
        var bulk = requests.Single(r => (string)r["path"]! == "/api/event-bulk-create-jobs")["body"]!["data"]!["attributes"]!["events-bulk-create"]!["data"]!.AsArray();
        var bulkEvents = bulk.Sum(entry => entry!["attributes"]!["events"]!["data"]!.AsArray().Count);
        Assert.Equal(4, bulkEvents + requests.Count(r => (string)r["path"]! == "/api/events"));

        var errors = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).Where(e => e["line"] is not null).ToList();
        Assert.Equal([3, 5], errors.Select(e => (int)e["line"]!));
        Assert.Contains("not valid JSON", (string)errors[0]["reason"]!);
        Assert.Contains("no profile identifier", (string)errors[1]["reason"]!);
        Assert.Empty(_klaviyo.State.Events);
    }

    [Fact]
    public async Task No_batch_dry_run_uses_the_single_endpoints_one_request_per_item()
    {
        var (exit, stdout, _) = await CliProcess.RunAsync(_work.FullName, "send", Fixture("segment-sample.ndjson"), "--dry-run", "--no-batch");
        Assert.Equal(1, exit);
        var paths = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => (string)JsonNode.Parse(l)!["path"]!).ToList();
        Assert.Equal(["/api/profile-import", "/api/events", "/api/events", "/api/events", "/api/events"], paths);
    }

    [Fact]
    public async Task Send_delivers_into_Klaviyo_and_reports_bad_lines_with_exit_code_1()
    {
        var (exit, stdout, stderr) = await CliProcess.RunAsync(_work.FullName, Send(Copy("segment-sample.ndjson")));

        Assert.Equal(1, exit);
        Assert.Contains("5 delivered, 1 rejected, 0 expired, 1 skipped, 1 bad lines", stdout);
        Assert.Contains("\"line\":3", stderr);
        Assert.Empty(_klaviyo.State.RejectedRequests);
        var serena = _klaviyo.State.FindProfile("swilliams@sportstech.com")!;
        Assert.Equal("+14155550123", serena.PhoneNumber);
        Assert.Equal(["Ordered Product", "Ordered Product", "Placed Order"], _klaviyo.State.EventsOf(serena.Id).Select(e => e.MetricName).Order());
        Assert.Single(_klaviyo.State.Events, e => e.MetricName == "Viewed Product");
    }

    [Fact]
    public async Task Backfill_flag_marks_events_and_a_clean_file_exits_0()
    {
        var file = Path.Combine(_work.FullName, "clean.ndjson");
        File.WriteAllLines(file, Enumerable.Range(1, 5).Select(i =>
            $$"""{"type":"track","userId":"u{{i}}","event":"Historic","properties":{"n":{{i}}},"timestamp":"2026-01-0{{i}}T00:00:00Z"}"""));
        var (exit, _, stderr) = await CliProcess.RunAsync(_work.FullName, Send(file, "--backfill"));
        Assert.True(exit == 0, stderr);
        Assert.Equal(5, _klaviyo.State.Events.Count);
        Assert.All(_klaviyo.State.Events, e => Assert.True(e.Backfill));
    }

    [Fact]
    public async Task An_interrupted_run_resumes_after_its_checkpoint_and_sends_nothing_twice()
    {
        var file = Path.Combine(_work.FullName, "history.ndjson");
        File.WriteAllLines(file, Enumerable.Range(1, 40).Select(i =>
            $$"""{"type":"track","userId":"u{{i % 4}}","event":"Step","properties":{"i":{{i}}},"messageId":"m-{{i}}"}"""));

        var first = await CliProcess.RunAsync(_work.FullName, Send(file, "--limit", "15", "--checkpoint-every", "5"));
        Assert.True(first.ExitCode == 0, first.Stderr);
        Assert.Equal(15, (long)JsonNode.Parse(File.ReadAllText(file + ".checkpoint"))!["line"]!);
        Assert.Equal(15, _klaviyo.State.Events.Count);

        var second = await CliProcess.RunAsync(_work.FullName, Send(file));
        Assert.True(second.ExitCode == 0, second.Stderr);
        Assert.Equal(40, _klaviyo.State.Events.Count);
        Assert.Equal(Enumerable.Range(1, 40).Select(i => $"m-{i}").Order(), _klaviyo.State.Events.Select(e => e.UniqueId!).Order());
        Assert.Equal(0, _klaviyo.State.DuplicateEventsDropped);

        var requests = _klaviyo.Counters.Snapshot().Values.SelectMany(v => v.Values).Sum();
        var third = await CliProcess.RunAsync(_work.FullName, Send(file));
        Assert.Equal(0, third.ExitCode);
        Assert.Equal(requests, _klaviyo.Counters.Snapshot().Values.SelectMany(v => v.Values).Sum());
    }

    [Theory]
    [InlineData(new[] { "send" }, "Required argument 'input' missing for command: 'send'")]
    [InlineData(new[] { "send", "missing.ndjson", "--dry-run" }, "does not exist")]
    [InlineData(new[] { "send", "-", "--bogus" }, "Unrecognized command or argument '--bogus'")]
    [InlineData(new[] { "send", "-", "--limit=many" }, "--limit must be a whole number ≥ 0, not 'many'")]
    [InlineData(new[] { "send", "-", "--checkpoint", "stdin.checkpoint", "--api-key", "pk_x" }, "--checkpoint needs a file input")]
    [InlineData(new[] { "frobnicate" }, "Unrecognized command or argument 'frobnicate'")]
    [InlineData(new[] { "emulator", "--port=abc" }, "--port must be a whole number from 0 to 65535, not 'abc'")]
    public async Task Usage_errors_exit_2_with_a_message(string[] args, string expected)
    {
        var (exit, _, stderr) = await CliProcess.RunAsync(_work.FullName, args);
        Assert.Equal(2, exit);
        Assert.Contains(expected, stderr);
        Assert.Contains("--help' for usage", stderr);
        Assert.DoesNotContain("System.", stderr);
    }

    [Fact]
    public async Task Sending_without_a_key_is_a_usage_error_that_says_how_to_fix_it()
    {
        var (exit, _, stderr) = await CliProcess.RunAsync(_work.FullName, "send", Fixture("segment-sample.ndjson"));
        Assert.Equal(2, exit);
        Assert.Contains("KLAVIYO_API_KEY", stderr);
    }

    [Fact]
    public async Task Settings_use_the_library_option_names_and_typos_are_refused()
    {
        var settings = Path.Combine(_work.FullName, "settings.json");
        File.WriteAllText(settings, """{ "KeepOrderCompletedName": true, "pageEventName": "Page Seen", "DefaultPhoneRegion": "US" }""");
        var (exit, stdout, _) = await CliProcess.RunAsync(_work.FullName, "send", Fixture("segment-sample.ndjson"), "--dry-run", "--settings", settings);
        Assert.Equal(1, exit);
        Assert.Contains("\"name\":\"Order Completed\"", stdout);
        Assert.DoesNotContain("Placed Order", stdout);

        File.WriteAllText(settings, """{ "KeepOrderCompletedNam": true }""");
        var typo = await CliProcess.RunAsync(_work.FullName, "send", Fixture("segment-sample.ndjson"), "--dry-run", "--settings", settings);
        Assert.Equal(2, typo.ExitCode);
        Assert.Contains("Klaviyo:KeepOrderCompletedNam is not a setting; did you mean Klaviyo:KeepOrderCompletedName?", typo.Stderr);
    }

    [Fact]
    public async Task Dry_run_names_list_requests_whose_profile_ids_are_looked_up_at_send_time()
    {
        var settings = Path.Combine(_work.FullName, "audiences.json");
        File.WriteAllText(settings, """{ "AudienceLists": { "VIP": "Xy12Ab" } }""");
        var input = Path.Combine(_work.FullName, "audience.ndjson");
        File.WriteAllText(input, """{"type":"track","userId":"u1","event":"Audience Entered","properties":{"audience":"VIP","email":"vip@example.com"},"timestamp":"2026-01-01T00:00:00Z"}""" + "\n");
        var (exit, stdout, stderr) = await CliProcess.RunAsync(_work.FullName, "send", input, "--dry-run", "--settings", settings);
        Assert.True(exit == 0, stderr);
        var list = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).Single(r => ((string)r["path"]!).StartsWith("/api/lists/", StringComparison.Ordinal));
        Assert.Equal("POST", (string)list["method"]!);
        Assert.Equal("/api/lists/Xy12Ab/relationships/profiles", (string)list["path"]!);
        Assert.Equal("profile id of email vip@example.com (looked up when sending)", (string)list["body"]!["data"]![0]!["id"]!);
    }

    [Fact]
    public async Task Help_is_available_everywhere()
    {
        Assert.Contains("Commands:", (await CliProcess.RunAsync(_work.FullName, "--help")).Stdout);
        Assert.Contains("--dry-run", (await CliProcess.RunAsync(_work.FullName, "send", "--help")).Stdout);
        Assert.Contains("--time-scale", (await CliProcess.RunAsync(_work.FullName, "emulator", "--help")).Stdout);
        Assert.Contains("--queue-path", (await CliProcess.RunAsync(_work.FullName, "drain", "--help")).Stdout);
        Assert.Contains("--replay", (await CliProcess.RunAsync(_work.FullName, "dead-letters", "--help")).Stdout);

        var bare = await CliProcess.RunAsync(_work.FullName);
        Assert.Equal(2, bare.ExitCode);
        Assert.Contains("Commands:", bare.Stderr);
    }

    [Fact]
    public async Task Version_prints_the_informational_version()
    {
        var (exit, stdout, _) = await CliProcess.RunAsync(_work.FullName, "--version");
        Assert.Equal(0, exit);
        var expected = typeof(KlaviyoDestinationOptions).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .Cast<System.Reflection.AssemblyInformationalVersionAttribute>().Single().InformationalVersion;
        Assert.Equal(expected, stdout.Trim());
    }

    [Fact]
    public async Task Completions_come_from_the_parser_and_a_script_for_each_shell()
    {
        var suggest = await CliProcess.RunAsync(_work.FullName, "[suggest:23]", "klaviyo-dest send --dry");
        Assert.Equal(["--dry-run"], suggest.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        var commands = await CliProcess.RunAsync(_work.FullName, "[suggest:13]", "klaviyo-dest ");
        Assert.Contains("dead-letters", commands.Stdout);
        var bash = await CliProcess.RunAsync(_work.FullName, "completions", "bash");
        Assert.Contains("complete -o default -F _klaviyo_dest_complete klaviyo-dest", bash.Stdout);
        Assert.Equal(2, (await CliProcess.RunAsync(_work.FullName, "completions", "fish")).ExitCode);
    }
}
