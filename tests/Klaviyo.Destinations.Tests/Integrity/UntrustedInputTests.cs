using System.Text.Json;
using System.Text.Json.Nodes;
using Klaviyo.Destinations.Tests.Cli;
using Klaviyo.Destinations.Tests.Support;

namespace Klaviyo.Destinations.Tests.Integrity;

/// <summary>Input that JSON allows but Klaviyo cannot take: repeated keys, escaped lone surrogates, over-long ids.</summary>
public sealed class UntrustedInputTests
{
    private static JsonElement Element(string json) => JsonDocument.Parse(json).RootElement.Clone();

    [Fact]
    public async Task A_repeated_top_level_key_keeps_its_last_value_with_a_warning_and_a_nested_one_is_left_out_with_a_reason()
    {
        await using var harness = new Harness();
        harness.Analytics.Track("u1", "Viewed", Element("""{"email":"a@example.com","plan":"free","plan":"pro","cart":{"sku":"1","sku":"2"},"ok":1}"""));
        harness.Analytics.Identify("u2", Element("""{"email":"b@example.com","firstName":"A","firstName":"B"}"""));
        await harness.FlushAsync();

        var evt = Assert.Single(harness.Sender.Events());
        var properties = evt["properties"]!.AsObject();
        Assert.Equal("pro", (string)properties["plan"]!);
        Assert.False(properties.ContainsKey("cart"));
        Assert.Equal(1, (int)properties["ok"]!);
        var tracked = Assert.Single(harness.Outcomes, o => o.Kind == ItemKind.Event);
        Assert.Equal(DeliveryStatus.Delivered, tracked.Status);
        Assert.Contains(tracked.Warnings, w => w.Field == "plan" && w.Reason.Contains("last value", StringComparison.Ordinal));
        Assert.Contains(tracked.Warnings, w => w.Reason.Contains("'sku' more than once", StringComparison.Ordinal));
        var profile = Assert.Single(harness.Sender.Profiles());
        Assert.Equal("B", (string)profile["first_name"]!);
        // The body Klaviyo gets names each key once, at every depth.
        foreach (var (_, body, _) in harness.Sender.Requests) AssertNoRepeatedKeys(JsonDocument.Parse(body.ToJsonString()).RootElement);
    }

    [Fact]
    public async Task An_escaped_lone_surrogate_in_a_JSON_payload_leaves_that_value_out_with_a_reason_and_sends_the_rest()
    {
        await using var harness = new Harness();
        harness.Analytics.Track("u1", "Viewed", Element("""{"email":"a@example.com","bad":"x\ud800y","good":"z"}"""));
        await harness.FlushAsync();

        var evt = Assert.Single(harness.Sender.Events());
        Assert.False(evt["properties"]!.AsObject().ContainsKey("bad"));
        Assert.Equal("z", (string)evt["properties"]!["good"]!);
        Assert.Contains(Assert.Single(harness.Outcomes).Warnings, w => w.Field == "bad" && w.Reason.Contains("surrogate", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_CLI_survives_lines_with_unreadable_strings_reports_each_by_number_and_field_and_sends_the_others()
    {
        var work = Directory.CreateTempSubdirectory("klaviyo-cli-");
        try
        {
            var file = Path.Combine(work.FullName, "in.ndjson");
            File.WriteAllLines(file,
            [
                """{"type":"track","userId":"u1","event":"Viewed","messageId":"m1","context":{"traits":{"email":"a@example.com"}}}""",
                """{"type":"track","userId":"u2","event":"Bad\udc00Name","messageId":"m2"}""",
                """{"type":"track","userId":"u\ud800","event":"Viewed","messageId":"m3"}""",
                """{"type":"track","userId":"u4","event":"Viewed","context":{"traits":{"email":"a\ud800@example.com"}}}""",
                """{"type":"track","userId":"u5","event":"Viewed","messageId":"\ud800"}""",
                """{"type":"identify","userId":"u6","traits":{"email":"a@example.com"},"timestamp":"\udfff"}""",
                """{"type":"track","userId":"u7","event":"Viewed","messageId":"m7","context":{"traits":{"email":"c@example.com"}}}""",
            ]);
            var (exit, stdout, stderr) = await CliProcess.RunAsync(work.FullName, "send", file, "--dry-run");
            Assert.Equal(1, exit);
            Assert.DoesNotContain("Unhandled exception", stderr);
            var bad = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith('{')).Select(l => JsonNode.Parse(l)!).ToList();
            foreach (var (line, field) in new[] { (2, "'event'"), (3, "'userId'"), (4, "'context.traits.email'"), (5, "'messageId'"), (6, "'timestamp'") })
            {
                var report = Assert.Single(bad, b => (int?)b["line"] == line);
                Assert.Contains(field, report.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
                Assert.Contains("surrogate", report.ToJsonString());
            }
            Assert.Contains("u1", stdout);
            Assert.Contains("u7", stdout);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_message_id_with_a_lone_surrogate_is_rejected_with_a_reason_so_two_such_ids_never_merge_into_one_unique_id()
    {
        const string messageId = "m\udc00";
        await using var harness = new Harness();
        harness.Analytics.Track("u1", "Viewed", new Dictionary<string, object?> { ["email"] = "a@example.com" }, new MessageOptions { MessageId = messageId });
        harness.Analytics.Track("u1", "Viewed", new Dictionary<string, object?> { ["email"] = "a@example.com" }, new MessageOptions { MessageId = "m\ud801" });
        harness.Analytics.Track("u1", "Bad\ud800Name", new Dictionary<string, object?> { ["email"] = "a@example.com" });
        harness.Analytics.Track("u1", "Viewed", new Dictionary<string, object?> { ["email"] = "a@example.com" }, new MessageOptions { MessageId = "fine" });
        await harness.FlushAsync();

        var rejected = harness.Rejected();
        Assert.Equal(3, rejected.Count);
        Assert.Equal(2, rejected.Count(r => r.Field == "messageId" && r.Reason!.Contains("surrogate", StringComparison.Ordinal)));
        Assert.Single(rejected, r => r.Field == "event" && r.Reason!.Contains("surrogate", StringComparison.Ordinal));
        Assert.Equal("fine", (string)Assert.Single(harness.Sender.Events())["unique_id"]!);
    }

    [Fact]
    public async Task A_unique_id_over_the_limit_is_replaced_by_a_stable_digest_with_a_warning()
    {
        await using var harness = new Harness();
        var longId = new string('x', 300);
        harness.Analytics.Track("u1", "Viewed", new Dictionary<string, object?> { ["email"] = "a@example.com", ["$event_id"] = longId });
        harness.Analytics.Track("u1", "Viewed", new Dictionary<string, object?> { ["email"] = "a@example.com", ["$event_id"] = longId });
        await harness.FlushAsync();

        var ids = harness.Sender.Events().Select(e => (string)e["unique_id"]!).ToList();
        Assert.Equal(2, ids.Count);
        Assert.All(ids, id => Assert.True(id.Length <= MessageTextRules.MaxUniqueIdLength));
        Assert.StartsWith("sha256:", ids[0]);
        Assert.Equal(ids[0], ids[1]);
        Assert.All(harness.Outcomes, o => Assert.Contains(o.Warnings, w => w.Field == "unique_id"));
    }

    internal static void AssertNoRepeatedKeys(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var names = new HashSet<string>();
                foreach (var p in element.EnumerateObject())
                {
                    Assert.True(names.Add(p.Name), $"key '{p.Name}' repeated");
                    AssertNoRepeatedKeys(p.Value);
                }
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray()) AssertNoRepeatedKeys(item);
                break;
        }
    }
}
