using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Klaviyo.Destinations.Tests.Cli;
using Klaviyo.Destinations.Tests.Durability;
using Klaviyo.Emulator;

namespace Klaviyo.Destinations.Tests.Integrity;

/// <summary>
/// A fixed-seed fuzz run: thousands of generated Segment lines, a third of them hostile (repeated keys, escaped lone
/// surrogates, broken JSON, absurd numbers, deep nesting, over-long ids), through the CLI as a process and through the
/// API in-process, against the emulator. Nothing may end the process, and every valid line must arrive.
/// </summary>
public sealed class DeliveryFuzzTests : IAsyncLifetime
{
    private const int Seed = 2121;
    private const int Lines = 3000;
    private readonly TempDirectory _dir = new();
    private KlaviyoEmulator _klaviyo = null!;

    public async Task InitializeAsync() => _klaviyo = await KlaviyoEmulator.StartAsync(new KlaviyoEmulatorOptions { Port = 0, RateLimitsEnabled = false });

    public async Task DisposeAsync()
    {
        await _klaviyo.DisposeAsync();
        _dir.Dispose();
    }

    /// <summary>One generated line and whether it is a valid track call (the message id that must arrive).</summary>
    private sealed record Line(string Text, string? ValidMessageId);

    private static List<Line> Generate(string prefix)
    {
        var random = new Random(Seed);
        var lines = new List<Line>(Lines);
        string Hostile() => random.Next(9) switch
        {
            0 => "\"dup\":1,\"dup\":2",
            1 => "\"nested\":{\"k\":1,\"k\":[1,2]}",
            2 => "\"bad\":\"x\\ud800y\"",
            3 => "\"big\":1e400",
            4 => "\"deep\":" + new string('[', 40) + new string(']', 40),
            5 => "\"long\":\"" + new string('x', 120_000) + "\"",
            6 => "\"neg\":-0.0,\"tiny\":4.9e-324",
            7 => "\"k\\udc00\":1",
            _ => "\"ok\":true",
        };
        for (var i = 0; i < Lines; i++)
        {
            var id = $"{prefix}-{i}";
            var email = $"fuzz{i % 300}@example.com";
            var properties = "{\"n\":" + i.ToString(CultureInfo.InvariantCulture) + (random.Next(3) == 0 ? "," + Hostile() : "") + "}";
            switch (random.Next(10))
            {
                case 0:
                    lines.Add(new Line($$$"""{"type":"track","userId":"u{{{i}}}","event":"Bad\ud800","messageId":"{{{id}}}","properties":{{{properties}}}}""", null));
                    break;
                case 1:
                    lines.Add(new Line($$$"""{"type":"track","userId":"u{{{i}}}","event":"Viewed","messageId":"{{{id}}}\udc00","properties":{{{properties}}}}""", null));
                    break;
                case 2:
                    lines.Add(new Line(random.Next(2) == 0 ? $$$"""{"type":"track","userId":"u{{{i}}}","event":"Viewed","messageId":"{{{id}}}" """ : "{\"type\":\"track\",\"event\":NaN}", null));
                    break;
                case 3:
                    lines.Add(new Line($$$"""{"type":"track","userId":"u{{{i}}}","userId":"u{{{i}}}","event":"Viewed","messageId":"{{{id}}}","context":{"traits":{"email":"{{{email}}}"}},"properties":{{{properties}}}}""", id));
                    break;
                default:
                    lines.Add(new Line($$$"""{"type":"track","userId":"u{{{i}}}","event":"Viewed","messageId":"{{{id}}}","context":{"traits":{"email":"{{{email}}}"}},"properties":{{{properties}}}}""", id));
                    break;
            }
        }
        return lines;
    }

    private HashSet<string> Arrived() => _klaviyo.State.Events.Select(e => e.UniqueId).OfType<string>().ToHashSet(StringComparer.Ordinal);

    [Fact]
    public async Task Thousands_of_generated_NDJSON_lines_through_the_CLI_end_no_process_and_lose_no_valid_line()
    {
        var lines = Generate("cli");
        var file = _dir.File("fuzz.ndjson");
        await File.WriteAllLinesAsync(file, lines.Select(l => l.Text));

        var (exit, _, stderr) = await CliProcess.RunAsync(_dir.Path, "send", file, "--base-url", _klaviyo.BaseAddress.ToString(), "--api-key", "pk_fuzz", "--quiet");

        Assert.True(exit is 0 or 1, $"exit {exit}: {stderr[..Math.Min(2000, stderr.Length)]}");
        Assert.DoesNotContain("Unhandled exception", stderr);
        var arrived = Arrived();
        var lost = lines.Where(l => l.ValidMessageId is { } id && !arrived.Contains(id)).Select(l => l.ValidMessageId).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} valid lines lost, e.g. {string.Join(", ", lost.Take(5))}");
        Assert.True(lines.Count(l => l.ValidMessageId is not null) > Lines / 2);
    }

    [Fact]
    public async Task Thousands_of_generated_API_calls_never_throw_and_lose_no_valid_item()
    {
        var lines = Generate("api");
        var outcomes = new ConcurrentQueue<DeliveryOutcome>();
        var options = new KlaviyoDestinationOptions
        {
            ApiKey = "pk_fuzz",
            BaseUrl = _klaviyo.BaseAddress,
            QueuePath = _dir.File("api.db"),
            OnOutcome = outcomes.Enqueue,
        };
        await using (var analytics = new Analytics(options))
        {
            foreach (var line in lines)
            {
                JsonElement root;
                try
                {
                    using var document = JsonDocument.Parse(line.Text);
                    root = document.RootElement.Clone();
                }
                catch (JsonException)
                {
                    continue;
                }
                var properties = root.TryGetProperty("properties", out var p) ? p : default;
                var messageId = root.GetProperty("messageId").GetRawText().Trim('"');
                var name = root.GetProperty("event").GetRawText().Trim('"');
                string? email = root.TryGetProperty("context", out var context) ? context.GetProperty("traits").GetProperty("email").GetString() : null;
                analytics.Track(root.GetProperty("userId").GetString(), System.Text.RegularExpressions.Regex.Unescape(name), properties,
                    new MessageOptions { MessageId = System.Text.RegularExpressions.Regex.Unescape(messageId), Identities = email is null ? null : new Dictionary<UserIdentity, string> { [UserIdentity.Email] = email } });
            }
            await analytics.FlushAsync(new CancellationTokenSource(TimeSpan.FromSeconds(120)).Token);
        }

        var arrived = Arrived();
        var lost = lines.Where(l => l.ValidMessageId is { } id && !arrived.Contains(id)).Select(l => l.ValidMessageId).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} valid items lost, e.g. {string.Join(", ", lost.Take(5))}");
        Assert.DoesNotContain(outcomes, o => o.Status == DeliveryStatus.Expired);
    }
}
