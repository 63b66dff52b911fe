using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Klaviyo.Destinations.Mapping;

namespace Klaviyo.Destinations.Cli.Input;

/// <summary>
/// Reads Segment-spec messages, one JSON object per line (<c>type</c>, <c>userId</c>, <c>anonymousId</c>, <c>traits</c>,
/// <c>properties</c>, <c>event</c>, <c>name</c>, <c>context</c> incl. <c>context.traits</c> and <c>context.ip</c>/
/// <c>timezone</c>/<c>locale</c>, <c>integrations</c> incl. <c>integrations.Klaviyo.listId</c>/<c>confirmOptin</c>/
/// <c>patchProperties</c>, <c>timestamp</c> in ISO-8601 / RFC 3339, <c>messageId</c>). A line without a messageId
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
            if (!Rules.IsoTime.TryParse(stamp, out var parsed))
                return new SegmentLine(number, null, $"timestamp '{stamp}' is not {Rules.IsoTime.Expected} (other forms, such as 03/04/2026, are ambiguous)");
            timestamp = parsed;
        }
        if (!TryReadPatch(root, out var patch, out var patchError)) return new SegmentLine(number, null, patchError);

        var options = new MessageOptions
        {
            AnonymousId = anonymousId,
            MessageId = Text(root, "messageId") ?? "klaviyo-dest-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(line)))[..32],
            Timestamp = timestamp,
            Identities = ContextIdentities(root),
            Context = Context(root),
            Integrations = Integrations(root),
            PatchProperties = patch,
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
        // The Segment spec trait keys of the mapping tables that name an email or a phone number.
        foreach (var row in KlaviyoMappingTables.ProfileTraits)
        {
            if ((row.Source & TraitSource.Segment) == 0 || Text(traits, row.Key, "context.traits." + row.Key) is not { } value) continue;
            if (row.Field == ProfileField.Email) identities.TryAdd(UserIdentity.Email, value);
            else if (row.Field == ProfileField.PhoneNumber) identities.TryAdd(UserIdentity.MobileNumber, value);
        }
        return identities.Count == 0 ? null : identities;
    }

    /// <summary>Segment's <c>context</c> object as a dictionary of its members (the mapper reads ip, timezone and locale).</summary>
    private static Dictionary<string, object?>? Context(JsonElement root)
    {
        if (Object(root, "context") is not { } context) return null;
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var member in context.EnumerateObject()) result[member.Name] = member.Value;
        return result.Count == 0 ? null : result;
    }

    /// <summary>
    /// <c>integrations.Klaviyo.patchProperties</c>: <c>{"append":{…},"unappend":{…},"unset":"key" | ["k1","k2"]}</c>.
    /// An unknown operation or a wrongly shaped one refuses the line; the keys and values are checked by the mapper.
    /// </summary>
    private static bool TryReadPatch(JsonElement root, out ProfilePropertyPatch? patch, out string? error)
    {
        patch = null;
        error = null;
        if (Object(root, "integrations") is not { } integrations || Object(integrations, "Klaviyo") is not { } klaviyo
            || !klaviyo.TryGetProperty("patchProperties", out var value) || value.ValueKind == JsonValueKind.Null)
            return true;
        if (value.ValueKind != JsonValueKind.Object)
        {
            error = "integrations.Klaviyo.patchProperties must be an object with append, unappend and/or unset";
            return false;
        }
        Dictionary<string, object?>? append = null, unappend = null;
        List<string>? unset = null;
        foreach (var operation in value.EnumerateObject())
        {
            switch (operation.Name)
            {
                case "append" or "unappend" when operation.Value.ValueKind == JsonValueKind.Object:
                    var values = operation.Value.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value, StringComparer.Ordinal);
                    if (operation.Name == "append") append = values;
                    else unappend = values;
                    break;
                case "append" or "unappend":
                    error = $"integrations.Klaviyo.patchProperties.{operation.Name} must be an object of property → value(s)";
                    return false;
                case "unset" when operation.Value.ValueKind == JsonValueKind.String:
                    unset = [operation.Value.GetString()!];
                    break;
                case "unset" when operation.Value.ValueKind == JsonValueKind.Array && operation.Value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String):
                    unset = operation.Value.EnumerateArray().Select(e => e.GetString()!).ToList();
                    break;
                case "unset":
                    error = "integrations.Klaviyo.patchProperties.unset must be a property name or an array of property names";
                    return false;
                default:
                    error = $"integrations.Klaviyo.patchProperties has an unknown operation '{operation.Name}' (append, unappend, unset)";
                    return false;
            }
        }
        patch = new ProfilePropertyPatch { Append = append, Unappend = unappend, Unset = unset };
        return true;
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
