using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Klaviyo.Destinations.Mapping;

namespace Klaviyo.Destinations.Cli.Input;

/// <summary>
/// Reads Segment-spec messages, one JSON object per line (<c>type</c>, <c>userId</c>, <c>anonymousId</c>, <c>traits</c>,
/// <c>properties</c>, <c>event</c>, <c>name</c>, <c>context</c> incl. <c>context.traits</c>, <c>integrations</c> incl.
/// <c>integrations.Klaviyo.listId</c>/<c>confirmOptin</c>, <c>timestamp</c>, <c>messageId</c>). A line without a messageId
/// gets a deterministic one (a hash of the line), so replaying a file never creates visible duplicates.
/// </summary>
internal static class SegmentMessageReader
{
    public static SegmentLine Parse(long number, string line, bool backfill)
    {
        // No line may end the process: whatever it holds, it becomes a rejection with its line number.
        try
        {
            return ParseLine(number, line, backfill);
        }
        catch (UnreadableTextException ex)
        {
            return new SegmentLine(number, null, ex.Message);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return new SegmentLine(number, null, $"the line could not be read ({ex.GetType().Name}: {ex.Message})");
        }
    }

    private static SegmentLine ParseLine(long number, string line, bool backfill)
    {
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(line);
            root = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            return new SegmentLine(number, null, $"not valid JSON: {ex.Message}");
        }
        if (root.ValueKind != JsonValueKind.Object) return new SegmentLine(number, null, "a message must be a JSON object");

        var type = Text(root, "type")?.ToLowerInvariant();
        var userId = Text(root, "userId");
        var anonymousId = Text(root, "anonymousId");
        if (userId is null && anonymousId is null && type is not "identify")
            return new SegmentLine(number, null, "a message needs userId or anonymousId");

        DateTimeOffset? timestamp = null;
        if (Text(root, "timestamp") is { } stamp)
        {
            if (!DateTimeOffset.TryParse(stamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
                return new SegmentLine(number, null, $"timestamp '{stamp}' is not an ISO-8601 date-time");
            timestamp = parsed;
        }

        var options = new MessageOptions
        {
            AnonymousId = anonymousId,
            MessageId = Text(root, "messageId") ?? "klaviyo-dest-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(line)))[..32],
            Timestamp = timestamp,
            Identities = ContextIdentities(root),
            Integrations = Integrations(root),
            Backfill = backfill,
        };
        var now = timestamp ?? DateTimeOffset.UtcNow;

        switch (type)
        {
            case "identify":
                return Message(number, MessageType.Identify, userId, null, Object(root, "traits") ?? ContextTraits(root), options, now);
            case "track":
                var eventName = Text(root, "event");
                if (string.IsNullOrWhiteSpace(eventName)) return new SegmentLine(number, null, "a track message needs an event name ('event')");
                return Message(number, MessageType.Track, userId, eventName, Object(root, "properties"), options, now);
            case "page":
                return Message(number, MessageType.Page, userId, Text(root, "name"), Object(root, "properties"), options, now);
            case "screen":
                return Message(number, MessageType.Screen, userId, Text(root, "name"), Object(root, "properties"), options, now);
            case "group":
                var groupId = Text(root, "groupId");
                if (groupId is null) return new SegmentLine(number, null, "a group message needs a groupId");
                return Message(number, MessageType.Group, userId, groupId, Object(root, "traits"), options, now);
            case "alias":
                return Message(number, MessageType.Alias, userId, Text(root, "previousId"), null, options, now);
            case null:
                return new SegmentLine(number, null, "the message has no 'type'");
            default:
                return new SegmentLine(number, null, $"unknown message type '{type}' (identify, track, page, screen, group, alias)");
        }
    }

    private static SegmentLine Message(long number, MessageType type, string? userId, string? name, JsonElement? payload, MessageOptions options, DateTimeOffset now) =>
        new(number, AnalyticsMessage.Create(type, userId, name, payload is { } p ? MessagePayload.From(p) : MessagePayload.Empty, options, now), null);

    /// <summary>A string (or number) member; an undecodable string rejects the line, naming the member.</summary>
    private static string? Text(JsonElement root, string name, string? path = null)
    {
        if (!root.TryGetProperty(name, out var value)) return null;
        if (value.ValueKind == JsonValueKind.Number) return value.GetRawText();
        var (text, error) = JsonText.Read(root, name, path ?? name);
        if (error is not null) throw new UnreadableTextException(error);
        return text is { Length: > 0 } ? text : null;
    }

    private sealed class UnreadableTextException(string message) : Exception(message);

    private static JsonElement? Object(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object ? value : null;

    private static JsonElement? ContextTraits(JsonElement root) =>
        Object(root, "context") is { } context && Object(context, "traits") is { } traits ? traits : null;

    /// <summary>Segment's server libraries carry the person's email/phone in <c>context.traits</c> on track calls.</summary>
    private static IReadOnlyDictionary<UserIdentity, string>? ContextIdentities(JsonElement root)
    {
        if (ContextTraits(root) is not { } traits) return null;
        var identities = new Dictionary<UserIdentity, string>();
        if (Text(traits, "email", "context.traits.email") is { } email) identities[UserIdentity.Email] = email;
        if ((Text(traits, "phone", "context.traits.phone") ?? Text(traits, "phoneNumber", "context.traits.phoneNumber")) is { } phone) identities[UserIdentity.MobileNumber] = phone;
        return identities.Count == 0 ? null : identities;
    }

    private static Integrations? Integrations(JsonElement root)
    {
        if (Object(root, "integrations") is not { } integrations || !integrations.TryGetProperty("Klaviyo", out var klaviyo)) return null;
        if (klaviyo.ValueKind == JsonValueKind.False) return new Integrations { Klaviyo = new KlaviyoIntegrationOptions { Enabled = false } };
        if (klaviyo.ValueKind != JsonValueKind.Object) return null;
        bool? confirm = klaviyo.TryGetProperty("confirmOptin", out var c) && c.ValueKind is JsonValueKind.True or JsonValueKind.False ? c.GetBoolean() : null;
        return new Integrations { Klaviyo = new KlaviyoIntegrationOptions { ListId = Text(klaviyo, "listId"), ConfirmOptIn = confirm } };
    }
}
