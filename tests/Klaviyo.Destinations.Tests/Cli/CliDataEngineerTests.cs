using System.Diagnostics;
using System.Text.Json.Nodes;
using Klaviyo.Emulator;

namespace Klaviyo.Destinations.Tests.Cli;

/// <summary>
/// klaviyo-dest as a data engineer runs it: every message type through a dry run and into Klaviyo, settings from an
/// app's appsettings.json and the environment, warnings on stderr, checkpoints that refuse another file, and SIGTERM
/// in the middle of a backfill.
/// </summary>
public sealed class CliDataEngineerTests : IAsyncLifetime
{
    private const string Vip = "Xy12Ab";
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("klaviyo-cli-de-");
    private KlaviyoEmulator _klaviyo = null!;

    public async Task InitializeAsync() => _klaviyo = await KlaviyoEmulator.StartAsync(new KlaviyoEmulatorOptions
    {
        RateLimitsEnabled = false,
        Lists = { [Vip] = "VIP" },
    });

    public async Task DisposeAsync()
    {
        await _klaviyo.DisposeAsync();
        _work.Delete(recursive: true);
    }

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Cli", "Fixtures", name);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_work.FullName, name);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>An app's appsettings.json: other sections are ignored, the Klaviyo section holds the settings.</summary>
    private string AppSettings() => Write("appsettings.json", $$"""
        {
          "Logging": { "LogLevel": { "Default": "Warning" } },
          "ConnectionStrings": { "Main": "Server=db" },
          "Klaviyo": {
            "AlternateIdentifier": "Other3",
            "PhoneIdentifier": "PhoneNumber2",
            "AudienceLists": { "VIP": "{{Vip}}" },
            "ConsentMapping": { "newsletter": "EmailMarketing" },
            "ConsentSource": "Warehouse backfill"
          }
        }
        """);

    private static List<JsonNode> JsonLines(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();

    [Fact]
    public async Task Every_message_type_dry_runs_with_real_bodies()
    {
        var (exit, stdout, stderr) = await CliProcess.RunAsync(_work.FullName, "send", Fixture("message-types.ndjson"), "--dry-run", "--settings", AppSettings());

        Assert.Equal(1, exit); // line 8 names an unknown identity kind
        var requests = JsonLines(stdout);
        JsonNode Request(string method, string path) => requests.Single(r => (string)r["method"]! == method && (string)r["path"]! == path)["body"]!;

        // identities: Other3 → external_id and Phone Number 2 → phone_number, as the identity settings say.
        var ada = Request("POST", "/api/profile-bulk-import-jobs")["data"]!["attributes"]!["profiles"]!["data"]![0]!["attributes"]!;
        Assert.Equal("crm-77", (string)ada["external_id"]!);
        Assert.Equal("+14155550100", (string)ada["phone_number"]!);

        // consent granted: the exact subscription job, no placeholder.
        var grant = Request("POST", "/api/profile-subscription-bulk-create-jobs")["data"]!["attributes"]!;
        Assert.Equal("Warehouse backfill", (string)grant["custom_source"]!);
        var subscriptions = grant["profiles"]!["data"]![0]!["attributes"]!["subscriptions"]!;
        Assert.Equal("SUBSCRIBED", (string)subscriptions["email"]!["marketing"]!["consent"]!);
        Assert.Equal("2026-01-02T00:00:00+00:00", (string)subscriptions["sms"]!["marketing"]!["consented_at"]!);

        // consent withdrawn.
        var withdraw = Request("POST", "/api/profile-subscription-bulk-delete-jobs")["data"]!["attributes"]!["profiles"]!["data"]![0]!["attributes"]!;
        Assert.Equal("bob@example.com", (string)withdraw["email"]!);
        Assert.Equal("UNSUBSCRIBED", (string)withdraw["subscriptions"]!["email"]!["marketing"]!["consent"]!);

        // audience entered/exited: the profile id is the only placeholder.
        Assert.Equal("profile id of email ada@example.com (looked up when sending)", (string)Request("POST", $"/api/lists/{Vip}/relationships/profiles")["data"]![0]!["id"]!);
        Assert.Equal("profile id of email bob@example.com (looked up when sending)", (string)Request("DELETE", $"/api/lists/{Vip}/relationships/profiles")["data"]![0]!["id"]!);

        // deletion by email: the exact job.
        Assert.Equal("gone@example.com", (string)Request("POST", "/api/data-privacy-deletion-jobs")["data"]!["attributes"]!["profile"]!["data"]!["attributes"]!["email"]!);

        var report = JsonLines(stderr);
        Assert.Contains(report, r => (long?)r["line"] == 8 && ((string?)r["reason"])!.Contains("unknown identity 'favourite'"));
        var warning = Assert.Single(report, r => r["warning"] is not null);
        Assert.Equal(7, (long)warning["line"]!);
        Assert.Equal("phone_number", (string)warning["field"]!);
        Assert.Contains("'12'", (string)warning["warning"]!);
        var summary = report[^1]["summary"]!;
        Assert.Equal(8, (long)summary["lines"]!);
        Assert.Equal(1, (long)summary["warnings"]!);
        Assert.Equal(requests.Count, (long)summary["requests"]!);
    }

    [Fact]
    public async Task Every_message_type_reaches_Klaviyo_and_warnings_reach_stderr()
    {
        var input = Path.Combine(_work.FullName, "types.ndjson");
        File.Copy(Fixture("message-types.ndjson"), input);
        var (exit, stdout, stderr) = await CliProcess.RunAsync(_work.FullName,
            "send", input, "--settings", AppSettings(), "--base-url", _klaviyo.BaseAddress.ToString(), "--api-key", "pk_types", "--quiet");

        Assert.True(exit == 1, stdout + stderr);
        Assert.Empty(_klaviyo.State.RejectedRequests);
        var ada = _klaviyo.State.FindProfile("ada@example.com")!;
        Assert.Equal("crm-77", ada.ExternalId);
        Assert.Equal("+14155550100", ada.PhoneNumber);
        Assert.Equal("SUBSCRIBED", ada.ConsentFor("email", "marketing"));
        Assert.Equal("SUBSCRIBED", ada.ConsentFor("sms", "marketing"));
        Assert.Equal("Warehouse backfill", ada.Subscriptions["email.marketing"].CustomSource);
        Assert.Equal([Vip], ada.ListIds);
        Assert.Equal("UNSUBSCRIBED", _klaviyo.State.FindProfile("bob@example.com")!.ConsentFor("email", "marketing"));
        Assert.Contains(_klaviyo.State.Jobs, j => j.Type == "data-privacy-deletion-job");

        var report = JsonLines(stderr);
        var warning = Assert.Single(report, r => r["warning"] is not null);
        Assert.Equal(7, (long)warning["line"]!);
        Assert.Contains(report, r => (long?)r["line"] == 8 && r["reason"] is not null);
        var summary = report[^1]["summary"]!;
        Assert.Equal(1, (long)summary["bad_lines"]!);
        Assert.Equal(1, (long)summary["warnings"]!);
        Assert.Equal(8, (long)summary["last_line"]!);
    }

    [Fact]
    public async Task Settings_come_from_appsettings_json_and_KLAVIYO_environment_variables()
    {
        var input = Write("page.ndjson", """
            {"type":"page","userId":"u1","name":"Home","context":{"traits":{"email":"pat@example.com"}}}
            {"type":"track","userId":"u1","event":"Order Completed","properties":{"order_id":"o1","total":10,"products":[{"product_id":"p1"}]}}
            """);
        var settings = Write("appsettings.json", """{ "Logging": {}, "Klaviyo": { "KeepOrderCompletedName": true, "PageEventName": "From the file" } }""");
        var environment = new Dictionary<string, string?> { ["KLAVIYO__PageEventName"] = "From the environment", ["KLAVIYO__ApiKey"] = "pk_from_env" };

        var dry = await CliProcess.RunAsync(_work.FullName, environment, "send", input, "--dry-run", "--settings", settings);
        Assert.True(dry.ExitCode == 0, dry.Stderr);
        Assert.Contains("\"name\":\"From the environment\"", dry.Stdout);
        Assert.Contains("\"name\":\"Order Completed\"", dry.Stdout);

        // The key from KLAVIYO__ApiKey is enough to send.
        var sent = await CliProcess.RunAsync(_work.FullName, environment, "send", input, "--settings", settings, "--base-url", _klaviyo.BaseAddress.ToString(), "--quiet");
        Assert.True(sent.ExitCode == 0, sent.Stdout + sent.Stderr);
        Assert.Contains(_klaviyo.State.Events, e => e.MetricName == "From the environment");

        // A file of settings only (no Klaviyo section) works too; --set wins over both.
        var flat = Write("flat.json", """{ "PageEventName": "Flat" }""");
        var overridden = await CliProcess.RunAsync(_work.FullName, "send", input, "--dry-run", "--settings", flat, "--set", "PageEventName=From --set");
        Assert.Contains("\"name\":\"From --set\"", overridden.Stdout);
    }

    [Theory]
    [InlineData("KLAVIYO__FlushCount", "many", "Klaviyo:FlushCount = 'many' is not a whole number.")]
    [InlineData("KLAVIYO__DeliveryMode", "Fast", "Klaviyo:DeliveryMode = 'Fast' is not one of Batched, LowLatency, BulkForwarding.")]
    [InlineData("KLAVIYO__RequestTimeout", "soon", "Klaviyo:RequestTimeout = 'soon' is not a duration")]
    [InlineData("KLAVIYO__DefaultPhoneRegion", "us", "Klaviyo:DefaultPhoneRegion 'us' must be an ISO-3166 alpha-2 code in capitals")]
    [InlineData("KLAVIYO__ConsentMapping__newsletter", "Email", "Klaviyo:ConsentMapping:newsletter = 'Email' is not one of EmailMarketing, SmsMarketing, SmsTransactional.")]
    [InlineData("KLAVIYO__RateLimits__Events__PerSecnd", "5", "Klaviyo:RateLimits:Events:PerSecnd is not a setting; did you mean Klaviyo:RateLimits:Events:PerSecond?")]
    public async Task Bad_settings_name_the_setting_and_what_it_takes_without_type_names(string variable, string value, string expected)
    {
        var input = Write("one.ndjson", """{"type":"track","userId":"u1","event":"E"}""");
        var (exit, _, stderr) = await CliProcess.RunAsync(_work.FullName, new Dictionary<string, string?> { [variable] = value }, "send", input, "--dry-run");
        Assert.Equal(2, exit);
        Assert.Contains(expected, stderr);
        Assert.DoesNotContain("System.", stderr);
        Assert.DoesNotContain("Klaviyo.Destinations.", stderr);
    }

    [Fact]
    public async Task A_checkpoint_refuses_to_resume_a_different_file()
    {
        // 2,000 lines of ~100 bytes: the first 64 KiB and the size stay the same when line 1,400 changes.
        var file = Path.Combine(_work.FullName, "export.ndjson");
        string Line(int i, string evt) => $$"""{"type":"track","userId":"u{{i % 7}}","event":"{{evt}}","properties":{"i":{{i}}},"messageId":"x-{{i:D5}}"}""";
        File.WriteAllLines(file, Enumerable.Range(1, 2000).Select(i => Line(i, "Seen")));
        string[] send = ["send", file, "--base-url", _klaviyo.BaseAddress.ToString(), "--api-key", "pk_cp", "--quiet"];

        var first = await CliProcess.RunAsync(_work.FullName, [.. send, "--limit", "1500", "--checkpoint-every", "500"]);
        Assert.True(first.ExitCode == 0, first.Stderr);

        // Another export under the same name.
        File.WriteAllLines(file, Enumerable.Range(1, 300).Select(i => Line(i, "Other")));
        var other = await CliProcess.RunAsync(_work.FullName, send);
        Assert.Equal(2, other.ExitCode);
        Assert.Contains("belongs to a different input", other.Stderr);
        Assert.Contains("--restart", other.Stderr);

        // The same size and start, changed just before the resume point.
        File.WriteAllLines(file, Enumerable.Range(1, 2000).Select(i => Line(i, i == 1499 ? "Seeb" : "Seen")));
        var edited = await CliProcess.RunAsync(_work.FullName, send);
        Assert.Equal(2, edited.ExitCode);
        Assert.Contains("differs before the resume point", edited.Stderr);
        Assert.Equal(1500, _klaviyo.State.Events.Count);

        var restarted = await CliProcess.RunAsync(_work.FullName, [.. send, "--restart"]);
        Assert.True(restarted.ExitCode == 0, restarted.Stderr);
    }

    [Fact]
    public async Task SIGTERM_mid_run_writes_the_checkpoint_and_resuming_sends_every_line_exactly_once()
    {
        const int Lines = 400;
        var file = Path.Combine(_work.FullName, "history.ndjson");
        File.WriteAllLines(file, Enumerable.Range(1, Lines).Select(i =>
            $$"""{"type":"track","userId":"u{{i % 5}}","event":"Replayed","properties":{"i":{{i}}},"messageId":"line-{{i}}"}"""));
        _klaviyo.SetFaults(new EmulatorFaults { Latency = TimeSpan.FromMilliseconds(20) });
        string[] send = ["send", file, "--base-url", _klaviyo.BaseAddress.ToString(), "--api-key", "pk_term", "--quiet", "--no-batch", "--checkpoint-every", "25"];

        using var watcher = new FileSystemWatcher(_work.FullName, "history.ndjson.checkpoint") { EnableRaisingEvents = true };
        var checkpointed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        watcher.Created += (_, _) => checkpointed.TrySetResult();
        watcher.Renamed += (_, _) => checkpointed.TrySetResult();
        using (var run = CliProcess.Start(_work.FullName, null, send))
        {
            run.StandardInput.Close();
            var stdout = run.StandardOutput.ReadToEndAsync();
            var stderr = run.StandardError.ReadToEndAsync();
            await checkpointed.Task.WaitAsync(TimeSpan.FromMinutes(2));
            using (var kill = Process.Start("kill", ["-TERM", run.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!) await kill.WaitForExitAsync();
            await run.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
            var output = await stderr;
            Assert.True(run.ExitCode == 143, $"exit {run.ExitCode}: {await stdout}{output}");
            Assert.Contains("stopped by SIGTERM", output);
            Assert.Contains("(every line read was delivered)", output);
            Assert.Contains("Resume with: klaviyo-dest send ", output);
        }
        var line = (long)JsonNode.Parse(File.ReadAllText(file + ".checkpoint"))!["line"]!;
        Assert.InRange(line, 25, Lines - 1);
        Assert.Equal(line, _klaviyo.State.Events.Count);

        _klaviyo.ClearFaults();
        var resumed = await CliProcess.RunAsync(_work.FullName, send);
        Assert.True(resumed.ExitCode == 0, resumed.Stdout + resumed.Stderr);
        Assert.Contains($"resumed after line {line:N0}", resumed.Stdout);

        var ids = _klaviyo.State.Events.Select(e => e.UniqueId!).ToList();
        Assert.Equal(Enumerable.Range(1, Lines).Select(i => $"line-{i}").Order(), ids.Order());
        Assert.Equal(0, _klaviyo.State.DuplicateEventsDropped);
        Assert.Equal(Lines, _klaviyo.Counters.Get("POST /api/events", 202));
    }
}
