using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Klaviyo.Destinations.Mapping;

namespace Klaviyo.Destinations.Cli.Input;

/// <summary>
/// Reads Segment-spec messages, one JSON object per line (<c>type</c>, <c>userId</c>, <c>anonymousId</c>, <c>traits</c>,
/// <c>properties</c>, <c>event</c>, <c>name</c>, <c>context</c> incl. <c>context.traits</c> and <c>context.ip</c>/
/// <c>timezone</c>/<c>locale</c>, <c>integrations</c> incl. <c>integrations.Klaviyo.listId</c>/<c>confirmOptin</c>/
/// <c>patchProperties</c>, <c>timestamp</c> in ISO-8601 / RFC 3339, <c>messageId</c>), and the calls the library
/// has beyond Segment's six: <c>consent</c> (a <c>consent</c> object of name → true/false, also on identify),
/// <c>delete</c> (a <c>profile</c> object with one identifier), <c>audience_entered</c>/<c>audience_exited</c> (an
/// <c>audience</c> name), plus an <c>identities</c> object of mParticle identity kinds on any message. A line without a
/// messageId gets a deterministic one (a hash of the line), so replaying a file never creates visible duplicates.
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

        var type = Text(root, "type") is { } typeName ? NormalizeType(typeName) : null;
        var userId = Text(root, "userId");
        var anonymousId = Text(root, "anonymousId");
        if (userId is null && anonymousId is null && type is not ("identify" or "consent" or "delete" or "audienceentered" or "audienceexited"))
            return new SegmentLine(number, null, "a message needs userId or anonymousId");

        DateTimeOffset? timestamp = null;
        if (Text(root, "timestamp") is { } stamp)
        {
            if (!Rules.IsoTime.TryParse(stamp, out var parsed))
                return new SegmentLine(number, null, $"timestamp '{stamp}' is not {Rules.IsoTime.Expected} (other forms, such as 03/04/2026, are ambiguous)");
            timestamp = parsed;
        }
        if (!TryReadPatch(root, out var patch, out var patchError)) return new SegmentLine(number, null, patchError);

        if (!TryIdentities(root, out var identities, out var identityError)) return new SegmentLine(number, null, identityError!);
        if (!TryConsent(root, out var consent, out var consentError)) return new SegmentLine(number, null, consentError!);
        var options = new MessageOptions
        {
            AnonymousId = anonymousId,
            MessageId = Text(root, "messageId") ?? "klaviyo-dest-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(line)))[..32],
            Timestamp = timestamp,
            Identities = identities,
            Context = Context(root),
            Consent = consent,
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
            case "consent":
                if (consent is null) return new SegmentLine(number, null, "a consent message needs a 'consent' object of consent name → true (granted) or false (withdrawn)");
                return Message(number, MessageType.Consent, userId, null, Object(root, "traits") ?? ContextTraits(root), options, now);
            case "delete":
                return Deletion(number, root, userId, options, now);
            case "audienceentered" or "audienceexited":
                var audience = Text(root, "audience");
                if (string.IsNullOrWhiteSpace(audience)) return new SegmentLine(number, null, $"an {Text(root, "type")} message needs the audience name ('audience')");
                return Message(number, type == "audienceentered" ? MessageType.AudienceEntered : MessageType.AudienceExited, userId, audience,
                    Object(root, "traits") ?? ContextTraits(root), options, now);
            case null:
                return new SegmentLine(number, null, "the message has no 'type'");
            default:
                return new SegmentLine(number, null, $"unknown message type '{Text(root, "type")}' (identify, track, page, screen, group, alias, consent, delete, audience_entered, audience_exited)");
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

    /// <summary><c>audience_entered</c>, <c>audienceEntered</c> and <c>Audience-Entered</c> are one type.</summary>
    private static string NormalizeType(string type)
    {
        var normalized = new string(type.Where(c => c is not ('_' or '-' or ' ')).ToArray()).ToLowerInvariant();
        return normalized switch
        {
            "setconsent" => "consent",
            "deletion" or "deleteprofile" => "delete",
            _ => normalized,
        };
    }

    /// <summary>A privacy deletion: <c>profile</c> names the person by exactly one of email, phone_number, external_id or id.</summary>
    private static SegmentLine Deletion(long number, JsonElement root, string? userId, MessageOptions options, DateTimeOffset now)
    {
        const string Needs = "a delete message needs a 'profile' object with exactly one of email, phone_number, external_id or id";
        if (Object(root, "profile") is not { } profile) return new SegmentLine(number, null, Needs);
        var keys = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var property in profile.EnumerateObject())
        {
            if (property.Name is not ("email" or "phone_number" or "external_id" or "id"))
                return new SegmentLine(number, null, $"{Needs}, not '{property.Name}'");
            if (Text(profile, property.Name) is { } value) keys[property.Name] = value;
        }
        if (keys.Count != 1) return new SegmentLine(number, null, Needs);
        return new SegmentLine(number, AnalyticsMessage.Create(MessageType.DeleteProfile, userId, null, MessagePayload.From(keys), options, now), null);
    }

    /// <summary>The identity names of an <c>identities</c> object (mParticle's user identity kinds), compared without case or separators.</summary>
    private static readonly Dictionary<string, UserIdentity> s_identityNames = new(StringComparer.OrdinalIgnoreCase)
    {
        ["customerid"] = UserIdentity.CustomerId,
        ["email"] = UserIdentity.Email,
        ["mobilenumber"] = UserIdentity.MobileNumber,
        ["phone"] = UserIdentity.MobileNumber,
        ["phonenumber2"] = UserIdentity.PhoneNumber2,
        ["phonenumber3"] = UserIdentity.PhoneNumber3,
        ["other"] = UserIdentity.Other,
        ["other1"] = UserIdentity.Other,
        ["other2"] = UserIdentity.Other2,
        ["other3"] = UserIdentity.Other3,
        ["other4"] = UserIdentity.Other4,
        ["other5"] = UserIdentity.Other5,
        ["other6"] = UserIdentity.Other6,
        ["other7"] = UserIdentity.Other7,
        ["other8"] = UserIdentity.Other8,
        ["other9"] = UserIdentity.Other9,
        ["other10"] = UserIdentity.Other10,
    };

    /// <summary>
    /// The person's identities: email/phone from <c>context.traits</c> (where Segment's server libraries carry them on
    /// track calls), then the <c>identities</c> object (also read as <c>userIdentities</c>/<c>user_identities</c>), whose
    /// keys are mParticle's identity kinds: customer_id, email, mobile_number, phone_number_2, phone_number_3, other,
    /// other_2 … other_10 (other_id_2 … also work). An unknown kind refuses the line, so a typo never drops an identity.
    /// </summary>
    private static bool TryIdentities(JsonElement root, out IReadOnlyDictionary<UserIdentity, string>? identities, out string? error)
    {
        var found = new Dictionary<UserIdentity, string>();
        if (ContextTraits(root) is { } traits)
        {
            // The Segment spec trait keys of the mapping tables that name an email or a phone number.
            foreach (var row in KlaviyoMappingTables.ProfileTraits)
            {
                if ((row.Source & TraitSource.Segment) == 0 || Text(traits, row.Key, "context.traits." + row.Key) is not { } value) continue;
                if (row.Field == ProfileField.Email) found.TryAdd(UserIdentity.Email, value);
                else if (row.Field == ProfileField.PhoneNumber) found.TryAdd(UserIdentity.MobileNumber, value);
            }
        }
        error = null;
        var given = Object(root, "identities") ?? Object(root, "userIdentities") ?? Object(root, "user_identities");
        if (given is { } kinds)
        {
            foreach (var property in kinds.EnumerateObject())
            {
                var key = new string(property.Name.Where(char.IsAsciiLetterOrDigit).ToArray()).Replace("otherid", "other", StringComparison.OrdinalIgnoreCase);
                if (!s_identityNames.TryGetValue(key, out var kind))
                {
                    identities = null;
                    error = $"unknown identity '{property.Name}' in 'identities' (customer_id, email, mobile_number, phone_number_2, phone_number_3, other, other_2 … other_10)";
                    return false;
                }
                if (Text(kinds, property.Name) is { } value) found[kind] = value;
            }
        }
        identities = found.Count == 0 ? null : found;
        return true;
    }

    /// <summary>A <c>consent</c> object: consent name (your ConsentMapping names, or email_marketing, sms_marketing, sms_transactional) → true or false.</summary>
    private static bool TryConsent(JsonElement root, out IReadOnlyDictionary<string, bool>? consent, out string? error)
    {
        consent = null;
        error = null;
        if (!root.TryGetProperty("consent", out var value) || value.ValueKind == JsonValueKind.Null) return true;
        if (value.ValueKind != JsonValueKind.Object)
        {
            error = "'consent' must be an object of consent name → true (granted) or false (withdrawn), e.g. {\"email_marketing\":true}";
            return false;
        }
        var given = new Dictionary<string, bool>(StringComparer.OrdinalIgnoreCase);
        foreach (var property in value.EnumerateObject())
        {
            if (property.Value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                error = $"consent '{property.Name}' must be true (granted) or false (withdrawn)";
                return false;
            }
            given[property.Name] = property.Value.GetBoolean();
        }
        consent = given.Count == 0 ? null : given;
        return true;
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
