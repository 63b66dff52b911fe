using System.Text.Json;
using System.Text.Json.Nodes;
using Klaviyo.Destinations.Rules;
using Microsoft.Extensions.Time.Testing;

namespace Klaviyo.Destinations.Tests.Rules;

/// <summary>
/// Runs one message through <see cref="MessageMapper"/> with its traits/properties in every payload shape — a
/// dictionary, a parsed <see cref="JsonElement"/>, a parsed <see cref="JsonObject"/>, a <see cref="JsonObject"/> built in
/// code (<see cref="JsonValue"/>s holding CLR values) and, where the case has one, a typed model — and renders what each
/// would send: every request (path and body) and every rejection and warning.
/// </summary>
internal static class ShapeMatrix
{
    /// <summary>The time of the call in every case; the mapper's clock is one day later.</summary>
    public static readonly DateTimeOffset CallTime = new(2026, 3, 4, 5, 6, 7, TimeSpan.Zero);

    public enum Shape { Dictionary, JsonElement, JsonObjectParsed, JsonObjectBuilt, Typed }

    /// <summary>What a message became: requests as <c>{"path","body"}</c> and outcomes as text.</summary>
    public sealed record Rendering(List<JsonObject> Requests, List<string> Rejections, List<string> Warnings)
    {
        public IEnumerable<JsonObject> Bodies(string path) => Requests.Where(r => (string)r["path"]! == path).Select(r => r["body"]!["data"]!.AsObject());

        public JsonObject Profile() => Bodies(RequestComposer.ProfileImportPath).Single()["attributes"]!.AsObject();

        public List<JsonObject> Events() => Bodies(RequestComposer.EventsPath).Select(b => b["attributes"]!.AsObject()).ToList();

        public JsonObject Event() => Events().Single();

        public static JsonObject EventProfile(JsonObject evt) => evt["profile"]!["data"]!["attributes"]!.AsObject();

        public override string ToString() =>
            string.Join("\n", Requests.Select(r => r.ToJsonString()).Concat(Rejections.Select(r => "rejected: " + r)).Concat(Warnings.Select(w => "warning: " + w)));
    }

    public static MessagePayload Payload(Shape shape, IReadOnlyDictionary<string, object?> data, MessagePayload? typed) => shape switch
    {
        Shape.Dictionary => MessagePayload.From(data),
        Shape.JsonElement => MessagePayload.From(JsonDocument.Parse(JsonSerializer.Serialize(data)).RootElement),
        Shape.JsonObjectParsed => MessagePayload.From(JsonNode.Parse(JsonSerializer.Serialize(data))!.AsObject()),
        Shape.JsonObjectBuilt => MessagePayload.From((JsonObject)Build(data)!),
        Shape.Typed => typed ?? throw new InvalidOperationException("no typed model"),
        _ => throw new ArgumentOutOfRangeException(nameof(shape)),
    };

    /// <summary>A JSON tree built in code: <see cref="JsonValue.Create{T}(T, JsonNodeOptions?)"/> over the CLR values, not parsed text.</summary>
    public static JsonNode? Build(object? value) => value switch
    {
        null => null,
        IReadOnlyDictionary<string, object?> map => new JsonObject(map.Select(p => KeyValuePair.Create(p.Key, Build(p.Value)))),
        string s => JsonValue.Create(s),
        bool b => JsonValue.Create(b),
        int i => JsonValue.Create(i),
        long l => JsonValue.Create(l),
        double d => JsonValue.Create(d),
        decimal m => JsonValue.Create(m),
        System.Collections.IEnumerable items => new JsonArray(items.Cast<object?>().Select(Build).ToArray()),
        _ => throw new NotSupportedException(value.GetType().Name),
    };

    public static Rendering Map(MessageType type, string? userId, string? name, MessagePayload payload, MessageOptions? options = null,
        Action<KlaviyoDestinationOptions>? configure = null)
    {
        var settings = new KlaviyoDestinationOptions { ApiKey = "pk_test_matrix", QueueStorage = QueueStorage.Memory };
        configure?.Invoke(settings);
        var clock = new FakeTimeProvider(CallTime.AddDays(1));
        var mapper = new MessageMapper(settings, clock);
        var message = AnalyticsMessage.Create(type, userId, name, payload, options ?? new MessageOptions { MessageId = "msg-1" }, CallTime);
        var result = mapper.Map(message);
        var requests = result.Items.Select(item => new JsonObject
        {
            ["path"] = RequestComposer.PathFor(item),
            ["body"] = JsonNode.Parse(RequestComposer.SingleBody(item)),
        }).ToList();
        var rejections = result.Rejections.Select(r => $"{r.Kind} {r.Status} [{r.Field}] {r.Reason}").ToList();
        var warnings = result.Items.SelectMany(i => i.Warnings).Concat(result.Rejections.SelectMany(r => r.Warnings))
            .Select(w => $"[{w.Field}] {w.Reason}").Distinct().ToList();
        return new Rendering(requests, rejections, warnings);
    }

    /// <summary>Maps the case in every shape it has, asserts every shape sends exactly the same, and returns the rendering.</summary>
    public static Rendering MapAll(MessageType type, string? userId, string? name, IReadOnlyDictionary<string, object?> data, MessagePayload? typed = null,
        MessageOptions? options = null, Action<KlaviyoDestinationOptions>? configure = null)
    {
        var shapes = Enum.GetValues<Shape>().Where(s => s != Shape.Typed || typed is not null).ToList();
        var renderings = shapes.Select(s => (Shape: s, Rendering: Map(type, userId, name, Payload(s, data, typed), options, configure))).ToList();
        var reference = renderings[0].Rendering;
        foreach (var (shape, rendering) in renderings.Skip(1))
        {
            var same = rendering.Requests.Count == reference.Requests.Count
                && rendering.Requests.Zip(reference.Requests).All(p => JsonNode.DeepEquals(p.First, p.Second))
                && rendering.Rejections.SequenceEqual(reference.Rejections)
                && rendering.Warnings.Order().SequenceEqual(reference.Warnings.Order());
            Assert.True(same, $"{shape} sends something else than {renderings[0].Shape}:\n--- {renderings[0].Shape}\n{reference}\n--- {shape}\n{rendering}");
        }
        return reference;
    }

    public static Dictionary<string, object?> Data(params (string Key, object? Value)[] pairs) => pairs.ToDictionary(p => p.Key, p => p.Value);
}
