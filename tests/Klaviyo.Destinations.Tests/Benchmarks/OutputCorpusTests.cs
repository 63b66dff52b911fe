using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Klaviyo.Destinations.Benchmarks;
using Klaviyo.Destinations.Mapping;
using Klaviyo.Destinations.Tests.Cli;
using Klaviyo.Destinations.Rules;

namespace Klaviyo.Destinations.Tests.Benchmarks;

/// <summary>
/// Performance work must not change what is sent. A fixed corpus — the seeded realistic workload (identify, Order
/// Completed with 5 products and a plain track, each as typed model, dictionary, JsonElement and JsonObject) plus
/// hand-picked awkward text — is mapped and composed into every request body it produces (single requests and bulk
/// jobs), with every warning and rejection. The expected file was written by the code before the performance
/// changes; the bodies must match it byte for byte, except for string escaping, which changed on purpose (see
/// <see cref="The_only_difference_from_the_corpus_is_string_escaping"/>).
/// Regenerate (after reviewing why it changed) with KLAVIYO_UPDATE_BASELINES=1.
/// </summary>
public sealed class OutputCorpusTests
{
    private static readonly DateTimeOffset s_time = new(2026, 3, 4, 5, 6, 7, 890, TimeSpan.Zero);

    private static string CorpusPath => Path.Combine(CliProcess.RepoRoot(), "tests", "Klaviyo.Destinations.Tests", "Benchmarks", "Corpus", "requests.txt");

    /// <summary>Every request body (and every warning and rejection) the corpus produces, one per line.</summary>
    internal static List<string> Produce()
    {
        var lines = new List<string>();
        var mapper = new MessageMapper(new KlaviyoDestinationOptions { ApiKey = "pk_corpus", DefaultPhoneRegion = "US" });
        var items = new List<QueuedItem>();
        var n = 0;
        void Map(MessageType type, string? userId, string? name, MessagePayload payload)
        {
            var options = new MessageOptions { MessageId = "m-" + n++, Timestamp = s_time };
            var result = mapper.Map(AnalyticsMessage.Create(type, userId, name, payload, options, s_time));
            foreach (var rejection in result.Rejections) lines.Add($"OUTCOME {rejection.MessageId} {rejection.Status} {rejection.Field} {rejection.Reason}");
            foreach (var item in result.Items)
            {
                foreach (var warning in item.Warnings) lines.Add($"WARN {item.MessageId} {warning.Field} {warning.Reason}");
                items.Add(item);
            }
        }

        foreach (var person in Workload.People(30, seed: 1414))
        {
            Map(MessageType.Identify, person.UserId, null, MessagePayload.From(person.Customer));
            Map(MessageType.Identify, person.UserId, null, MessagePayload.From(person.Traits));
            Map(MessageType.Identify, person.UserId, null, MessagePayload.From(Element(person.Traits)));
            Map(MessageType.Identify, person.UserId, null, MessagePayload.From(Node(person.Traits)));
            Map(MessageType.Track, person.UserId, null, MessagePayload.From(person.Order));
            Map(MessageType.Track, person.UserId, "Order Completed", MessagePayload.From(person.OrderProperties));
            Map(MessageType.Track, person.UserId, "Order Completed", MessagePayload.From(Element(person.OrderProperties)));
            Map(MessageType.Track, person.UserId, "Order Completed", MessagePayload.From(Node(person.OrderProperties)));
            Map(MessageType.Track, person.UserId, null, MessagePayload.From(person.SignedUp));
            Map(MessageType.Track, person.UserId, "Signed Up", MessagePayload.From(person.SignedUpProperties));
            Map(MessageType.Track, person.UserId, "Signed Up", MessagePayload.From(Element(person.SignedUpProperties)));
            Map(MessageType.Track, person.UserId, "Signed Up", MessagePayload.From(Node(person.SignedUpProperties)));
        }

        // Text that escaping treats differently: HTML-sensitive characters, '+', quotes and backslashes, controls,
        // line separators, accents, CJK, emoji; and the phone cases (invalid, unknown country, 2-letter, name).
        foreach (var (i, text) in Awkward.Select((t, i) => (i, t)))
        {
            var traits = new Dictionary<string, object?>
            {
                ["email"] = $"awkward+{i}@example.com", ["firstName"] = text, ["phone"] = Phones[i % Phones.Length].Phone,
                ["country"] = Phones[i % Phones.Length].Country, ["note " + text] = text,
            };
            Map(MessageType.Identify, "awkward-" + i, null, MessagePayload.From(traits));
            Map(MessageType.Identify, "awkward-" + i, null, MessagePayload.From(Node(traits)));
            var properties = new Dictionary<string, object?>
            {
                ["orderId"] = "o+" + text, ["revenue"] = 12.5m, ["currency"] = "eur",
                ["products"] = new List<object?>
                {
                    new Dictionary<string, object?> { ["productId"] = "p+" + i, ["name"] = text, ["imageUrl"] = "https://x.example/i?a=1&b=<2>", ["price"] = 2.5, ["quantity"] = 2 },
                    new Dictionary<string, object?> { ["name"] = "no id " + text },
                    new Dictionary<string, object?> { ["sku"] = 12345, ["orderId"] = "own", ["tags"] = new[] { text, "+" }, ["nested"] = new Dictionary<string, object?> { ["k " + text] = text } },
                    "not an object",
                },
                [text] = text,
            };
            Map(MessageType.Track, "awkward-" + i, "Order Completed", MessagePayload.From(properties));
            Map(MessageType.Track, "awkward-" + i, "Order Completed", MessagePayload.From(Element(properties)));
            Map(MessageType.Track, "awkward-" + i, "Signed Up " + text, MessagePayload.From(new Dictionary<string, object?> { ["email"] = $"a+{i}@example.com", ["text"] = text }));
        }

        foreach (var item in items)
            lines.Add($"POST {RequestComposer.PathFor(item)} {Encoding.UTF8.GetString(RequestComposer.SingleBody(item))}");
        var now = s_time;
        foreach (var kind in new[] { ItemKind.Profile, ItemKind.Event })
        {
            var pending = items.Where(i => i.Kind == kind).Select(i => PendingItem.Create(i, now)).ToList();
            var endpoint = kind == ItemKind.Profile ? KlaviyoEndpoint.ProfileBulkImport : KlaviyoEndpoint.EventBulkCreate;
            foreach (var chunk in pending.Chunk(200))
            {
                var batch = new Batch(endpoint, chunk.ToList());
                lines.Add($"POST {BatchComposer.PathOf(batch)} {Encoding.UTF8.GetString(BatchComposer.Compose(batch))}");
            }
        }
        return lines;
    }

    internal static readonly string[] Awkward =
    [
        "plain", "a+b", "<script>alert('x')</script> & co", "quote \" and back\\slash", "line\nbreak\ttab\u0001ctl\u007f",
        "sep\u2028para\u2029", "Zoë Ødegaard-Müller", "東京 太郎", "emoji 😀 👍🏽", "zero\u200Bwidth \uFEFF bom", "`tick` 'apos'",
    ];

    private static readonly (string Phone, string Country)[] Phones =
    [
        ("(415) 555-2671", "US"), ("020 7946 0958", "United Kingdom"), ("+49 151 23456789", "de"), ("12345", "US"),
        ("0612345678", "Atlantis"), ("+33 6 12 34 56 78", "FR"), ("not a phone", "GB"),
    ];

    private static JsonElement Element(Dictionary<string, object?> value) => JsonSerializer.SerializeToElement(value);

    private static JsonObject Node(Dictionary<string, object?> value) => JsonSerializer.SerializeToNode(value)!.AsObject();

    [Fact]
    public void Every_request_body_of_the_corpus_matches_the_one_written_before_the_performance_work()
    {
        var actual = Produce();
        if (Environment.GetEnvironmentVariable("KLAVIYO_UPDATE_BASELINES") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(CorpusPath)!);
            File.WriteAllText(CorpusPath, string.Join('\n', actual) + "\n", new UTF8Encoding(false));
        }
        var expected = File.ReadAllText(CorpusPath, Encoding.UTF8).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(expected.Length > 500, "the corpus is unexpectedly small");
        Assert.Equal(expected.Length, actual.Count);
        for (var i = 0; i < expected.Length; i++)
        {
            var want = Reescape(expected[i]);
            if (want != actual[i]) Assert.Fail($"line {i + 1} differs.\nexpected: {want}\nactual:   {actual[i]}");
        }
    }

    [Fact]
    public void The_only_difference_from_the_corpus_is_string_escaping()
    {
        // The corpus was written with System.Text.Json's default encoder. Re-escaping every JSON string of it with the
        // encoder used now must give today's bytes exactly (checked above); here: the re-escaping changes nothing but
        // escapes, and it does change them where intended.
        var expected = File.ReadAllText(CorpusPath, Encoding.UTF8).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var changed = 0;
        foreach (var line in expected)
        {
            var reescaped = Reescape(line);
            if (reescaped == line) continue;
            changed++;
            var (before, after) = (Body(line), Body(reescaped));
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(before), JsonNode.Parse(after)), "re-escaping changed a value:\n" + line);
        }
        Assert.True(changed > 0, "the encoder change should change the bytes of the corpus");
    }

    [Theory]
    [InlineData("+", "+")]
    [InlineData("ada+shop@example.com", "ada+shop@example.com")]
    [InlineData("<b> & 'x' `y`", "<b> & 'x' `y`")]
    [InlineData("Zoë 東京 €", "Zoë 東京 €")]
    [InlineData("say \"hi\"", "say \\\"hi\\\"")]
    [InlineData("back\\slash", "back\\\\slash")]
    [InlineData("line\nbreak\ttab\u0001", "line\\nbreak\\ttab\\u0001")]
    [InlineData("del\u007f", "del\\u007F")]
    [InlineData("sep\u2028\u2029", "sep\\u2028\\u2029")]
    [InlineData("😀", "\\uD83D\\uDE00")]
    public void Strings_are_sent_as_UTF8_with_only_what_JSON_needs_escaped(string value, string expected)
    {
        // Through the real path: a dictionary property of a track, in the request body Klaviyo receives.
        var mapper = new MessageMapper(new KlaviyoDestinationOptions { ApiKey = "pk_corpus" });
        var message = AnalyticsMessage.Create(MessageType.Track, "u1", "Escaping", MessagePayload.From(new Dictionary<string, object?> { ["text"] = value }),
            new MessageOptions { MessageId = "m-1", Timestamp = s_time }, s_time);
        var body = Encoding.UTF8.GetString(RequestComposer.SingleBody(mapper.Map(message).Items.Single()));
        Assert.Contains("\"text\":\"" + expected + "\"", body);
        Assert.Equal(value, (string?)JsonNode.Parse(body)!["data"]!["attributes"]!["properties"]!["text"]);
        Assert.Contains("\"time\":\"2026-03-04T05:06:07.890+00:00\"", body);
    }

    private static string Body(string line) => line[(line.IndexOf(' ', 5) + 1)..];

    /// <summary>
    /// <paramref name="line"/> with every JSON string that holds an escape re-escaped by the encoder the SDK uses now;
    /// everything else is kept as is.
    /// </summary>
    internal static string Reescape(string line)
    {
        if (!line.StartsWith("POST ", StringComparison.Ordinal)) return line;
        var body = Body(line);
        var output = new StringBuilder(line.Length);
        output.Append(line, 0, line.Length - body.Length);
        for (var i = 0; i < body.Length; i++)
        {
            if (body[i] != '"')
            {
                output.Append(body[i]);
                continue;
            }
            var end = i + 1;
            var escaped = false;
            while (body[end] != '"')
            {
                escaped |= body[end] == '\\';
                end += body[end] == '\\' ? 2 : 1;
            }
            if (!escaped)
            {
                // Nothing was escaped (and values such as dates are written without the encoder): kept as is.
                output.Append(body, i, end - i + 1);
                i = end;
                continue;
            }
            var value = JsonSerializer.Deserialize<string>(body.AsSpan(i, end - i + 1))!;
            output.Append('"').Append(JsonEncodedText.Encode(value, KlaviyoJson.Encoder).ToString()).Append('"');
            i = end;
        }
        return output.ToString();
    }
}
