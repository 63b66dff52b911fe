using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Klaviyo.Destinations.Mapping;

namespace Klaviyo.Destinations.MParticle;

/// <summary>
/// Reads mParticle Events API batches (the server-to-server JSON), one batch per line, into the library's messages so
/// every Klaviyo rule applies as to any other call:
/// <list type="bullet">
/// <item><c>user_attributes</c> → an Identify (the <c>$</c> attribute table, <c>$</c> trimming and property mapping apply);</item>
/// <item><c>user_identities</c> (email, customer_id, other, other_id_2 … other_id_10, mobile_number, phone_number_2,
/// phone_number_3) → the message identities, chosen by the Phone Identifier, Alternate Identifier and External Email
/// Identity Type settings; <c>customer_id</c> is also the userId and <c>mpid</c> the anonymous id;</item>
/// <item><c>consent_state.gdpr</c> purposes → consent (through ConsentMapping), on the Identify (or a Consent call);</item>
/// <item><c>events[]</c>: custom_event by <c>data.event_name</c>, screen_view as a Screen call, session_start/session_end/
/// application_state_transition as "Session Start"/"Session End"/"Application State Transition", commerce_event by
/// <c>product_action.action</c> in Segment's ecommerce vocabulary (so purchase becomes Placed Order with its products
/// expanded), promotion and impression commerce events as "Promotion Viewed/Clicked" and "Product List Viewed".</item>
/// </list>
/// A text may also hold an array of batches (the body of mParticle's bulk endpoint). An event that cannot be mapped is
/// refused on its own with its place (<c>batch[1].events[3]</c>); the rest of the batch goes on. Hand the messages to
/// <see cref="Analytics.SendAsync"/> (or <see cref="Analytics.Send"/>): the destination's rules, queue and delivery apply.
/// </summary>
public static partial class MParticleBatchReader
{
    /// <summary>At most this many events per batch (mParticle's own Events API limit is far below it).</summary>
    public const int MaxEvents = 10_000;

    /// <summary>At most this many batches in one text holding an array of batches (one line, or one request body).</summary>
    public const int MaxBatches = 1_000;

    /// <summary>At most this many products in one commerce event.</summary>
    public const int MaxProducts = 1_000;

    /// <summary>
    /// Reads one batch, or an array of batches, from its JSON text into the messages it holds and the refusals of its
    /// parts, in order. Never throws for bad input.
    /// </summary>
    public static IReadOnlyList<MParticlePart> Read(string json, MParticleReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        options ??= MParticleReadOptions.Default;
        try
        {
            return ParseBatch(0, json, options);
        }
        catch (UnreadableTextException ex)
        {
            return [Error(0, ex.Message)];
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return [Error(0, $"the batch could not be read ({ex.GetType().Name}: {ex.Message})")];
        }
    }

    /// <summary>
    /// Reads batches from a UTF-8 stream one at a time (memory: one batch, never the whole input): one batch per line
    /// (NDJSON, a line may hold an array of batches), or a JSON document — one batch, several, or an array of them,
    /// pretty-printed or not. Each part carries the line its batch starts on. A batch that is not readable JSON is
    /// refused (<see cref="MParticlePart.Unreadable"/>); one per line goes on at the next line, a document whose
    /// structure breaks ends there.
    /// </summary>
    public static async IAsyncEnumerable<MParticlePart> ReadAsync(Stream utf8Json, MParticleReadOptions? options = null,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(utf8Json);
        using var reader = new JsonValueReader(utf8Json, leaveOpen: true);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) is { End: false } read)
        {
            if (read.Text is null)
            {
                yield return Error(read.Line, read.Error ?? "the value could not be read", unreadable: true);
                continue;
            }
            foreach (var part in Read(read.Line, read.Text, options))
                yield return part;
        }
    }

    /// <summary>As <see cref="Read(string, MParticleReadOptions?)"/>, with the parts marked with the line the text starts on.</summary>
    internal static IReadOnlyList<MParticlePart> Read(long line, string json, MParticleReadOptions? options)
    {
        var parts = Read(json, options);
        if (line == 0) return parts;
        var lined = new MParticlePart[parts.Count];
        for (var i = 0; i < parts.Count; i++) lined[i] = parts[i] with { Line = line };
        return lined;
    }

    private static IReadOnlyList<MParticlePart> ParseBatch(long number, string line, MParticleReadOptions options)
    {
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(line);
            root = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            return [Error(number, $"not valid JSON: {ex.Message}", unreadable: true)];
        }
        var lineId = "mparticle-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(line)))[..32];
        if (root.ValueKind == JsonValueKind.Array)
        {
            // The bulk form (the body of mParticle's /bulkevents): an array of batches on one line.
            if (root.GetArrayLength() > MaxBatches)
                return [Error(number, $"the line holds {root.GetArrayLength():N0} batches; at most {MaxBatches:N0} are read per line, so none were sent. Put one batch per line.")];
            var all = new List<MParticlePart>();
            var i = 0;
            foreach (var batch in root.EnumerateArray())
            {
                var prefix = $"batch[{i}]";
                foreach (var parsed in Batch(number, batch, lineId + "-" + i, options))
                    all.Add(parsed.Error is { } error ? parsed with { Error = $"{prefix}: {error}" } : parsed);
                i++;
            }
            return all.Count > 0 ? all : [Error(number, "the array holds no batches")];
        }
        return Batch(number, root, lineId, options);
    }

    private static IReadOnlyList<MParticlePart> Batch(long number, JsonElement root, string lineId, MParticleReadOptions options)
    {
        try
        {
            return ReadBatch(number, root, lineId, options);
        }
        catch (UnreadableTextException ex)
        {
            return [Error(number, ex.Message)];
        }
    }

    private static IReadOnlyList<MParticlePart> ReadBatch(long number, JsonElement root, string lineId, MParticleReadOptions options)
    {
        if (root.ValueKind != JsonValueKind.Object) return [Error(number, "an mParticle batch must be a JSON object (one batch per line, or an array of batches)")];

        if (!TryIdentities(root, out var identities, out var identityError)) return [Error(number, identityError!)];
        if (!TryConsent(root, out var consent, out var consentError)) return [Error(number, consentError!)];
        if (!TryTime(root, "timestamp_unixtime_ms", "timestamp_unixtime_ms", out var batchTime, out var timeError)) return [Error(number, timeError!)];
        var environment = Name(root, "environment", "environment");
        if (environment is not null && environment is not ("production" or "development"))
            return [Error(number, $"environment '{environment}' is not production or development")];
        if (environment is not null && !options.Accepts(environment))
            return [new MParticlePart { Line = number, Skipped = true, Error = $"the batch is from the {environment} environment, which MParticleReadOptions.Environments ({options.Environments}) does not forward; it was skipped" }];

        var userId = identities is not null && identities.TryGetValue(UserIdentity.CustomerId, out var customerId) ? customerId : null;
        var mpid = Text(root, "mpid");
        var batchId = Text(root, "source_request_id") ?? lineId;
        // The environment travels in the context (plugins can route or drop by it); ip fills the profile's ip.
        Dictionary<string, object?>? context = null;
        if (Text(root, "ip") is { } ip) (context ??= new(StringComparer.Ordinal))["ip"] = ip;
        if (environment is not null) (context ??= new(StringComparer.Ordinal))["environment"] = environment;

        MessageOptions Options(string messageId, DateTimeOffset? time, IReadOnlyDictionary<string, bool>? withConsent = null) => new()
        {
            AnonymousId = mpid,
            MessageId = messageId,
            Timestamp = time,
            Identities = identities,
            Context = context,
            Consent = withConsent,
            Backfill = options.Backfill,
        };

        var result = new List<MParticlePart>();
        var attributes = Object(root, "user_attributes");
        if (root.TryGetProperty("user_attributes", out var attributesValue) && attributesValue.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
            result.Add(Error(number, "user_attributes must be an object of attribute → value"));
        if (attributes is { } traits && traits.EnumerateObject().Any())
        {
            result.Add(Message(number, MessageType.Identify, userId, null, MessagePayload.From(traits), Options(batchId + "-identify", batchTime, consent), batchTime));
        }
        else if (consent is not null)
        {
            result.Add(Message(number, MessageType.Consent, userId, null, MessagePayload.Empty, Options(batchId + "-consent", batchTime, consent), batchTime));
        }

        if (root.TryGetProperty("events", out var events) && events.ValueKind != JsonValueKind.Null)
        {
            if (events.ValueKind != JsonValueKind.Array)
            {
                result.Add(Error(number, "events must be an array of {\"event_type\":…,\"data\":{…}}"));
                return result;
            }
            if (events.GetArrayLength() > MaxEvents)
            {
                result.Add(Error(number, $"the batch has {events.GetArrayLength():N0} events; at most {MaxEvents:N0} are read per batch, so none were sent. Split it into smaller batches."));
                return result;
            }
            var index = 0;
            foreach (var item in events.EnumerateArray())
            {
                var where = $"events[{index}]";
                try
                {
                    foreach (var parsed in Event(number, item, where, batchId + "-" + index, batchTime, userId, Options))
                        result.Add(parsed);
                }
                catch (UnreadableTextException ex)
                {
                    result.Add(Refuse(number, where, ex.Message));
                }
                index++;
            }
        }
        if (result.Count == 0) result.Add(Error(number, "the batch has no events, user_attributes or consent_state: nothing to send"));
        return result;
    }

    private static IEnumerable<MParticlePart> Event(long number, JsonElement item, string where, string fallbackId, DateTimeOffset? batchTime, string? userId,
        Func<string, DateTimeOffset?, IReadOnlyDictionary<string, bool>?, MessageOptions> options)
    {
        if (item.ValueKind != JsonValueKind.Object) return [Refuse(number, where, "an event must be an object with event_type and data")];
        var type = Name(item, "event_type", where + ".event_type");
        if (type is null) return [Refuse(number, where, "the event has no event_type")];
        var data = Object(item, "data");
        if (data is null) return [Refuse(number, where, $"the {type} event has no 'data' object")];
        var body = data.Value;
        if (!TryTime(body, "timestamp_unixtime_ms", where + ".data.timestamp_unixtime_ms", out var eventTime, out var timeError)) return [Refuse(number, where, timeError!)];
        var time = eventTime ?? batchTime;
        var now = time ?? DateTimeOffset.UtcNow;
        var messageId = Text(body, "source_message_id", where + ".data.source_message_id") ?? fallbackId;
        if (body.TryGetProperty("custom_attributes", out var ca) && ca.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
            return [Refuse(number, where, "data.custom_attributes must be an object of attribute → value")];
        var attributes = Object(body, "custom_attributes");

        switch (type)
        {
            case "custom_event":
                var name = Name(body, "event_name", where + ".data.event_name");
                if (string.IsNullOrWhiteSpace(name)) return [Refuse(number, where, "a custom_event needs data.event_name")];
                return [Message(number, MessageType.Track, userId, name, Payload(attributes), options(messageId, time, null), now)];
            case "screen_view":
                var screen = Name(body, "screen_name", where + ".data.screen_name");
                if (string.IsNullOrWhiteSpace(screen)) return [Refuse(number, where, "a screen_view needs data.screen_name")];
                return [Message(number, MessageType.Screen, userId, screen, Payload(attributes), options(messageId, time, null), now)];
            case "session_start" or "session_end":
            {
                var properties = Copy(attributes);
                if (Text(body, "session_uuid", where + ".data.session_uuid") is { } session) properties["session_uuid"] = session;
                if (type == "session_end" && body.TryGetProperty("session_duration_ms", out var duration) && duration.ValueKind == JsonValueKind.Number)
                    properties["session_duration_ms"] = duration;
                return [Message(number, MessageType.Track, userId, type == "session_start" ? "Session Start" : "Session End", MessagePayload.From(properties), options(messageId, time, null), now)];
            }
            case "application_state_transition":
            {
                var transition = Name(body, "application_transition_type", where + ".data.application_transition_type");
                if (transition is not ("application_initialized" or "application_exit" or "application_background" or "application_foreground"))
                    return [Refuse(number, where, $"application_transition_type '{transition}' is not application_initialized, application_exit, application_background or application_foreground")];
                var properties = Copy(attributes);
                properties["application_transition_type"] = transition;
                foreach (var flag in (ReadOnlySpan<string>)["is_first_run", "is_upgrade"])
                    if (body.TryGetProperty(flag, out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False) properties[flag] = value.GetBoolean();
                return [Message(number, MessageType.Track, userId, "Application State Transition", MessagePayload.From(properties), options(messageId, time, null), now)];
            }
            case "commerce_event":
                return Commerce(number, body, where, attributes, messageId, time, now, userId, options);
            default:
                return [Refuse(number, where, $"event_type '{type}' is not sent to Klaviyo (custom_event, commerce_event, screen_view, session_start, session_end, application_state_transition)")];
        }
    }

    private static bool TryTime(JsonElement owner, string name, string path, out DateTimeOffset? time, out string? error)
    {
        time = null;
        error = null;
        if (!owner.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return true;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var ms) && ms is >= 0 and <= 253_402_300_799_999)
        {
            time = DateTimeOffset.FromUnixTimeMilliseconds(ms);
            return true;
        }
        error = $"{path} must be milliseconds since 1970 as a whole number, not {Shorten(value.GetRawText())}";
        return false;
    }

    private static MParticlePart Message(long number, MessageType type, string? userId, string? name, MessagePayload payload, MessageOptions options, DateTimeOffset? now) =>
        new() { Line = number, Message = AnalyticsMessage.Create(type, userId, name, payload, options, now ?? DateTimeOffset.UtcNow) };

    private static MParticlePart Error(long number, string reason, bool unreadable = false) => new() { Line = number, Error = reason, Unreadable = unreadable };

    /// <summary>A refused event, its reason led by where it is in the batch (<c>events[3]</c>) unless the reason already names it.</summary>
    private static MParticlePart Refuse(long number, string where, string reason) =>
        Error(number, reason.StartsWith(where, StringComparison.Ordinal) ? reason : $"{where}: {reason}");

    private static MessagePayload Payload(JsonElement? attributes) => attributes is { } a ? MessagePayload.From(a) : MessagePayload.Empty;

    private static Dictionary<string, object?> Copy(JsonElement? attributes)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (attributes is { } a)
            foreach (var member in a.EnumerateObject()) result[member.Name] = member.Value;
        return result;
    }

    /// <summary>A string (or number) member; an undecodable string refuses what it belongs to, naming the member.</summary>
    private static string? Text(JsonElement owner, string name, string? path = null)
    {
        if (!owner.TryGetProperty(name, out var value)) return null;
        if (value.ValueKind == JsonValueKind.Number) return value.GetRawText();
        if (value.ValueKind is not (JsonValueKind.String or JsonValueKind.Null))
            throw new UnreadableTextException($"{path ?? name} must be a string, not {Shorten(value.GetRawText())}");
        var (text, error) = JsonText.Read(owner, name, path ?? name);
        if (error is not null) throw new UnreadableTextException(error);
        return text is { Length: > 0 } ? text : null;
    }

    /// <summary>A name or enum member: only a JSON string will do (a number where a name belongs is a mistake worth reporting).</summary>
    private static string? Name(JsonElement owner, string name, string path)
    {
        if (owner.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number)
            throw new UnreadableTextException($"{path} must be a string, not {Shorten(value.GetRawText())}");
        return Text(owner, name, path);
    }

    private static string Shorten(string raw) => raw.Length > 40 ? raw[..40] + "…" : raw;

    private sealed class UnreadableTextException(string message) : Exception(message);

    private static JsonElement? Object(JsonElement owner, string name) =>
        owner.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object ? value : null;
}
