using System.Text.Json.Nodes;
using Klaviyo.Emulator;

namespace Klaviyo.Destinations.Tests.Cli;

/// <summary>
/// <c>klaviyo-dest send --format mparticle</c>: mParticle Events API batches (one per line, written from mParticle's
/// documented JSON) through dry run (exact requests) and into the emulator; the identity settings each change which
/// identifier is sent; malformed batches and unsupported events are refused one by one with their line number.
/// </summary>
public sealed class CliMParticleTests : IAsyncLifetime
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("klaviyo-cli-mparticle-");
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

    private static JsonObject Attributes(JsonObject request) => request["body"]!["data"]!["attributes"]!.AsObject();

    private static string? Metric(JsonObject request) => (string?)Attributes(request)["metric"]?["data"]?["attributes"]?["name"];

    private static string? EventEmail(JsonObject request) => (string?)Attributes(request)["profile"]!["data"]!["attributes"]!["email"];

    private string File1(string name, params string[] lines)
    {
        var file = Path.Combine(_work.FullName, name);
        File.WriteAllLines(file, lines);
        return file;
    }

    [Fact]
    public async Task Dry_run_prints_the_exact_requests_of_every_event_type_and_refuses_bad_events_one_by_one_with_their_line()
    {
        var (exit, stdout, stderr) = await CliProcess.RunAsync(_work.FullName, "send", "--format", "mparticle", Fixture("mparticle-batches.ndjson"), "--dry-run", "--no-batch");

        Assert.Equal(1, exit);
        if (Environment.GetEnvironmentVariable("KLAVIYO_UPDATE_BASELINES") == "1")
            File.WriteAllText(Path.Combine(CliProcess.RepoRoot(), "tests", "Klaviyo.Destinations.Tests", "Cli", "Fixtures", "mparticle-batches.expected.ndjson"), stdout);
        var expected = File.ReadAllLines(Fixture("mparticle-batches.expected.ndjson"));
        var actual = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected[i]), JsonNode.Parse(actual[i])), $"request {i + 1} differs:\n{actual[i]}");

        var requests = Lines(stdout);
        var events = requests.Where(r => (string)r["path"]! == "/api/events").ToList();
        // Batch 1: user_attributes become the profile ($ attributes in mParticle casing), identities fill email, phone and external_id.
        var ada = Attributes(requests.First(r => (string)r["path"]! == "/api/profile-import"));
        Assert.Equal("ada@example.com", (string?)ada["email"]);
        Assert.Equal("+14155550101", (string?)ada["phone_number"]);
        Assert.Equal("c-1001", (string?)ada["external_id"]);
        Assert.Equal("Ada", (string?)ada["first_name"]);
        Assert.Equal("London", (string?)ada["location"]!["city"]);
        Assert.Equal("pro", (string?)ada["properties"]!["plan"]);
        // consent_state.gdpr → Klaviyo consent, at the batch's time.
        var subscriptions = requests.Where(r => (string)r["path"]! == "/api/profile-subscription-bulk-create-jobs").ToList();
        Assert.Contains(subscriptions, s => s.ToJsonString().Contains("ada@example.com", StringComparison.Ordinal) && s.ToJsonString().Contains("\"email\":{\"marketing\":{\"consent\":\"SUBSCRIBED\",\"consented_at\":\"2026-01-01T00:00:00", StringComparison.Ordinal));
        Assert.Contains(subscriptions, s => s.ToJsonString().Contains("\"sms\":{\"marketing\":{\"consent\":\"SUBSCRIBED\"", StringComparison.Ordinal));
        // Every event type, under the names mParticle's Klaviyo doc and Klaviyo's ecommerce vocabulary use.
        Assert.Equal(
            ["Played Song", "Viewed Screen", "Session Start", "Session End", "Application State Transition",
             "Viewed Product", "Added to Cart", "Added to Cart", "Started Checkout", "Placed Order", "Ordered Product", "Ordered Product", "Refunded Order",
             "No Contact", "Still Sent", "Promotion Viewed", "Product List Viewed"],
            events.Select(Metric));
        var played = Attributes(events[0]);
        Assert.Equal(1.5, (double)played["value"]!);
        Assert.Equal("2026-01-01T00:00:01.000+00:00", (string?)played["time"]);
        Assert.Equal("m-custom", (string?)played["unique_id"]);
        var order = Attributes(events.Single(e => Metric(e) == "Placed Order"));
        Assert.Equal(73.4, (double)order["value"]!);
        Assert.Equal("T-900", (string?)order["properties"]!["order_id"]);
        Assert.Equal(2, order["properties"]!["products"]!.AsArray().Count);
        Assert.Equal("warm", (string?)Attributes(events.Single(e => Metric(e) == "Ordered Product" && (string?)Attributes(e)["properties"]!["sku"] == "SKU-2"))["properties"]!["color"]);
        // Batch 3 holds only Other, Other3 and Phone Number 2: with the default settings nothing identifies it.
        Assert.DoesNotContain(events, e => Metric(e) == "Opened App");

        var errors = Lines(stderr);
        Assert.Equal([3, 5, 5, 5, 5, 5, 5, 6, 7], errors.Where(e => e.ContainsKey("line")).Select(e => (int)e["line"]!));
        Assert.Contains("event_type 'crash_report'", (string)errors[1]["reason"]!);
        Assert.Contains("events[1].data.event_name must be a string", (string)errors[2]["reason"]!);
        Assert.Contains("events[3]: product_action.action 'teleport'", (string)errors[4]["reason"]!);
        Assert.Contains("products[0].price must be a number", (string)errors[5]["reason"]!);
        Assert.Contains("timestamp_unixtime_ms must be milliseconds", (string)errors[6]["reason"]!);
        Assert.Contains("events must be an array", (string)errors[7]["reason"]!);
        Assert.Contains("not valid JSON", (string)errors[8]["reason"]!);
        Assert.Equal(4, (int)errors[^1]["summary"]!["rejected_lines"]!);
    }

    [Fact]
    public async Task The_identity_settings_each_change_which_identifier_is_sent()
    {
        var file = File1("identities.ndjson",
            """{"environment":"production","user_identities":{"email":"e@example.com","customer_id":"c-9","other":"o1@example.com","other_id_3":"crm-3","mobile_number":"+14155550101","phone_number_2":"+14155550122","phone_number_3":"+14155550133"},"events":[{"event_type":"custom_event","data":{"event_name":"Ping","custom_event_type":"other","source_message_id":"p-1","timestamp_unixtime_ms":1767225600000}}]}""");

        async Task<JsonObject> Profile(params string[] settings)
        {
            var (_, stdout, stderr) = await CliProcess.RunAsync(_work.FullName, ["send", "--format", "mparticle", file, "--dry-run", "--no-batch", .. settings.SelectMany(s => new[] { "--set", s })]);
            var request = Lines(stdout).SingleOrDefault(r => (string)r["path"]! == "/api/events") ?? throw new Xunit.Sdk.XunitException(stderr);
            return Attributes(request)["profile"]!["data"]!["attributes"]!.AsObject();
        }

        var defaults = await Profile();
        Assert.Equal(("e@example.com", "+14155550101", "c-9"), ((string?)defaults["email"], (string?)defaults["phone_number"], (string?)defaults["external_id"]));
        var chosen = await Profile("ExternalEmailIdentityType=Other", "PhoneIdentifier=PhoneNumber3", "AlternateIdentifier=Other3");
        Assert.Equal(("o1@example.com", "+14155550133", "crm-3"), ((string?)chosen["email"], (string?)chosen["phone_number"], (string?)chosen["external_id"]));
        var none = await Profile("AlternateIdentifier=None", "PhoneIdentifier=PhoneNumber2");
        Assert.Equal("+14155550122", (string?)none["phone_number"]);
        Assert.False(none.ContainsKey("external_id"));
    }

    [Fact]
    public async Task An_event_with_neither_email_nor_phone_is_rejected_when_RequireEmailOrPhoneOnEvents_is_on()
    {
        var (exit, stdout, stderr) = await CliProcess.RunAsync(_work.FullName, "send", "--format", "mparticle", Fixture("mparticle-batches.ndjson"), "--dry-run", "--no-batch",
            "--set", "RequireEmailOrPhoneOnEvents=true");
        Assert.Equal(1, exit);
        Assert.DoesNotContain(Lines(stdout), r => Metric(r) == "No Contact");
        Assert.Contains(Lines(stderr), e => e.ContainsKey("line") && (int)e["line"]! == 4 && ((string?)e["reason"])!.Contains("RequireEmailOrPhoneOnEvents", StringComparison.Ordinal));
        Assert.Contains(Lines(stdout), r => Metric(r) == "Still Sent");
    }

    [Fact]
    public async Task Batches_replay_into_Klaviyo_and_a_second_run_resumes_from_the_checkpoint_sending_nothing_twice()
    {
        var file = Path.Combine(_work.FullName, "batches.ndjson");
        File.Copy(Fixture("mparticle-batches.ndjson"), file);
        string[] send = ["send", "--format", "mparticle", file, "--base-url", _klaviyo.BaseAddress.ToString(), "--api-key", "pk_cli_test", "--quiet",
            "--set", "AlternateIdentifier=Other3", "--set", "PhoneIdentifier=PhoneNumber2", "--checkpoint-every", "2"];

        var first = await CliProcess.RunAsync(_work.FullName, [.. send, "--limit", "2"]);
        Assert.True(first.ExitCode == 0, first.Stderr);
        Assert.Equal(2, (long)JsonNode.Parse(File.ReadAllText(file + ".checkpoint"))!["line"]!);

        var second = await CliProcess.RunAsync(_work.FullName, send);
        Assert.Equal(1, second.ExitCode);
        Assert.Empty(_klaviyo.State.RejectedRequests);
        Assert.Equal(0, _klaviyo.State.DuplicateEventsDropped);

        var ada = _klaviyo.State.FindProfile("ada@example.com")!;
        Assert.Equal("Ada", (string?)ada.Attributes["first_name"]);
        Assert.Equal("SUBSCRIBED", ada.Subscriptions["email.marketing"].Consent);
        Assert.Equal(["Application State Transition", "Played Song", "Session End", "Session Start", "Viewed Screen"], _klaviyo.State.EventsOf(ada.Id).Select(e => e.MetricName).Order());
        var grace = _klaviyo.State.FindProfile("grace@example.com")!;
        Assert.Equal(["Added to Cart", "Added to Cart", "Ordered Product", "Ordered Product", "Placed Order", "Refunded Order", "Started Checkout", "Viewed Product"],
            _klaviyo.State.EventsOf(grace.Id).Select(e => e.MetricName).Order());
        // Batch 3 (line 3) only reaches Klaviyo through the settings: external_id from Other3, phone from Phone Number 2.
        var other = _klaviyo.State.FindProfile("ext-333")!;
        Assert.Equal("+14155550122", other.PhoneNumber);
        Assert.Null(other.Email);
        Assert.Equal(["Opened App"], _klaviyo.State.EventsOf(other.Id).Select(e => e.MetricName));
        // Line 9 grants SMS consent with a Mobile Number only; PhoneIdentifier = PhoneNumber2 leaves it without a phone, so it is refused.
        Assert.Null(_klaviyo.State.FindProfile("+14155550177"));
        Assert.Contains(second.Stderr.Split('\n'), l => l.Contains("\"line\":9", StringComparison.Ordinal) && l.Contains("phone", StringComparison.Ordinal));
        Assert.Contains("\"line\":5", second.Stderr);
    }

    [Fact]
    public async Task A_pretty_printed_array_of_batches_sends_what_the_same_batches_one_per_line_send_and_resumes_from_its_checkpoint()
    {
        var batches = File.ReadAllLines(Fixture("mparticle-batches.ndjson")).Take(3).ToArray();
        var ndjson = File1("three.ndjson", batches);
        var pretty = Path.Combine(_work.FullName, "three.json");
        File.WriteAllText(pretty, new JsonArray(batches.Select(b => JsonNode.Parse(b)).ToArray()).ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        Assert.True(File.ReadAllLines(pretty).Length > 50);

        string[] settings = ["--set", "AlternateIdentifier=Other3", "--set", "PhoneIdentifier=PhoneNumber2"];
        var one = await CliProcess.RunAsync(_work.FullName, ["send", "--format", "mparticle", ndjson, "--dry-run", "--no-batch", .. settings]);
        var doc = await CliProcess.RunAsync(_work.FullName, ["send", "--format", "mparticle", pretty, "--dry-run", "--no-batch", .. settings]);
        Assert.True(doc.ExitCode == 0, doc.Stderr);
        var expected = Lines(one.Stdout);
        var actual = Lines(doc.Stdout);
        Assert.True(expected.Count > 10);
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++) Assert.True(JsonNode.DeepEquals(expected[i], actual[i]), $"request {i + 1} differs:\n{actual[i]}");

        // Into the emulator: stop after one batch, then resume from the checkpoint inside the array.
        string[] send = ["send", "--format", "mparticle", pretty, "--base-url", _klaviyo.BaseAddress.ToString(), "--api-key", "pk_cli_test", "--quiet", "--checkpoint-every", "1", .. settings];
        var first = await CliProcess.RunAsync(_work.FullName, [.. send, "--limit", "1"]);
        Assert.True(first.ExitCode == 0, first.Stderr);
        Assert.True((long)JsonNode.Parse(File.ReadAllText(pretty + ".checkpoint"))!["line"]! > 2);
        var second = await CliProcess.RunAsync(_work.FullName, send);
        Assert.True(second.ExitCode == 0, second.Stderr);
        Assert.Empty(_klaviyo.State.RejectedRequests);
        Assert.Equal(0, _klaviyo.State.DuplicateEventsDropped);
        Assert.Equal(5, _klaviyo.State.EventsOf(_klaviyo.State.FindProfile("ada@example.com")!.Id).Count);
        Assert.Equal(8, _klaviyo.State.EventsOf(_klaviyo.State.FindProfile("grace@example.com")!.Id).Count);
        Assert.Single(_klaviyo.State.Events, e => e.MetricName == "Opened App");
    }

    [Fact]
    public async Task Development_batches_are_skipped_with_a_warning_when_only_production_is_sent()
    {
        var (exit, stdout, stderr) = await CliProcess.RunAsync(_work.FullName, "send", "--format", "mparticle", Fixture("mparticle-batches.ndjson"), "--dry-run", "--no-batch",
            "--mparticle-environments", "production");
        Assert.DoesNotContain(Lines(stdout), r => Metric(r) == "Opened App");
        Assert.Contains(Lines(stderr), e => e.ContainsKey("line") && (int)e["line"]! == 3 && ((string?)e["warning"])!.Contains("development environment", StringComparison.Ordinal));
        Assert.Contains(Lines(stdout), r => Metric(r) == "Played Song");
        Assert.Equal(1, exit);
    }

    [Fact]
    public async Task An_array_of_batches_on_a_line_is_read_and_a_huge_events_array_is_refused_without_ending_the_run()
    {
        const string Good = """{"environment":"production","user_identities":{"email":"one@example.com"},"events":[{"event_type":"custom_event","data":{"event_name":"First","custom_event_type":"other","source_message_id":"a-1","timestamp_unixtime_ms":1767225600000}}]}""";
        const string Bad = """{"environment":"production","user_identities":{"email":"two@example.com"},"events":[{"event_type":"uninstall","data":{}},{"event_type":"custom_event","data":{"event_name":"Second","custom_event_type":"other","source_message_id":"a-2","timestamp_unixtime_ms":1767225600000}}]}""";
        var huge = "{\"environment\":\"production\",\"user_identities\":{\"email\":\"huge@example.com\"},\"events\":["
            + string.Join(",", Enumerable.Repeat("""{"event_type":"custom_event","data":{"event_name":"Spam","custom_event_type":"other"}}""", 10_001)) + "]}";
        const string After = """{"environment":"production","user_identities":{"email":"three@example.com"},"events":[{"event_type":"session_start","data":{"source_message_id":"a-3","timestamp_unixtime_ms":1767225600000}}]}""";
        var file = File1("bulk.ndjson", $"[{Good},{Bad}]", huge, After);

        var (exit, stdout, stderr) = await CliProcess.RunAsync(_work.FullName, "send", "--format", "mparticle", file, "--dry-run", "--no-batch");

        Assert.Equal(1, exit);
        Assert.Equal([("First", "one@example.com"), ("Second", "two@example.com"), ("Session Start", "three@example.com")],
            Lines(stdout).Select(r => (Metric(r), EventEmail(r))));
        var errors = Lines(stderr).Where(e => e.ContainsKey("line")).ToList();
        Assert.Equal(2, errors.Count);
        Assert.Equal(1, (int)errors[0]["line"]!);
        Assert.StartsWith("batch[1]: events[0]: event_type 'uninstall'", (string)errors[0]["reason"]!);
        Assert.Equal(2, (int)errors[1]["line"]!);
        Assert.Contains("10,001 events", (string)errors[1]["reason"]!);
    }
}
