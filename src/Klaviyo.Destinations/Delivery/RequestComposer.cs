using System.Buffers;
using System.Text.Json;
using Klaviyo.Destinations.Mapping;

namespace Klaviyo.Destinations;

/// <summary>Composes JSON:API request bodies from queued items (raw mapped JSON is spliced in, not re-serialised).</summary>
internal static class RequestComposer
{
    /// <summary>Path of Klaviyo's create-or-update-profile endpoint.</summary>
    public const string ProfileImportPath = KlaviyoPaths.ProfileImport;

    /// <summary>Path of Klaviyo's create-event endpoint.</summary>
    public const string EventsPath = KlaviyoPaths.Events;

    private static readonly JsonEncodedText s_data = JsonEncodedText.Encode("data");
    private static readonly JsonEncodedText s_type = JsonEncodedText.Encode("type");
    private static readonly JsonEncodedText s_attributes = JsonEncodedText.Encode("attributes");
    private static readonly JsonEncodedText s_properties = JsonEncodedText.Encode("properties");
    private static readonly JsonEncodedText s_profile = JsonEncodedText.Encode("profile");
    private static readonly JsonEncodedText s_metric = JsonEncodedText.Encode("metric");
    private static readonly JsonEncodedText s_name = JsonEncodedText.Encode("name");
    private static readonly JsonEncodedText s_time = JsonEncodedText.Encode("time");
    private static readonly JsonEncodedText s_value = JsonEncodedText.Encode("value");
    private static readonly JsonEncodedText s_currency = JsonEncodedText.Encode("value_currency");
    private static readonly JsonEncodedText s_uniqueId = JsonEncodedText.Encode("unique_id");
    private static readonly JsonEncodedText s_backfill = JsonEncodedText.Encode("backfill");
    private static readonly JsonEncodedText s_event = JsonEncodedText.Encode("event");
    private static readonly JsonEncodedText s_meta = JsonEncodedText.Encode("meta");

    /// <summary>The endpoint path for a single item.</summary>
    public static string PathFor(QueuedItem item) => KlaviyoPaths.PathOf(item.Kind == ItemKind.Event ? KlaviyoEndpoint.Events : KlaviyoEndpoint.ProfileImport);

    /// <summary>The body of a single-item request (profile-import or events).</summary>
    public static byte[] SingleBody(QueuedItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var buffer = new ArrayBufferWriter<byte>(item.Profile.Length + (item.Properties?.Length ?? 0) + 256);
        using (var json = new Utf8JsonWriter(buffer, KlaviyoJson.WriterOptions))
        {
            json.WriteStartObject();
            json.WritePropertyName(s_data);
            if (item.Kind == ItemKind.Event) WriteEventResource(json, item, includeProfile: true);
            else WriteProfileResource(json, item.Profile, item.ProfileMeta);
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Writes <c>{"type":"profile","attributes":…}</c>.</summary>
    public static void WriteProfileResource(Utf8JsonWriter json, byte[] profileAttributes) => WriteProfileResource(json, profileAttributes, null);

    /// <summary>Writes <c>{"type":"profile","attributes":…,"meta":…}</c> (<c>meta</c> only when given).</summary>
    public static void WriteProfileResource(Utf8JsonWriter json, byte[] profileAttributes, byte[]? meta)
    {
        ArgumentNullException.ThrowIfNull(json);
        json.WriteStartObject();
        json.WriteString(s_type, s_profile);
        json.WritePropertyName(s_attributes);
        json.WriteRawValue(profileAttributes, skipInputValidation: true);
        if (meta is not null)
        {
            json.WritePropertyName(s_meta);
            json.WriteRawValue(meta, skipInputValidation: true);
        }
        json.WriteEndObject();
    }

    /// <summary>Writes an event resource (with its profile for /api/events; without it inside bulk jobs).</summary>
    public static void WriteEventResource(Utf8JsonWriter json, QueuedItem item, bool includeProfile)
    {
        json.WriteStartObject();
        json.WriteString(s_type, s_event);
        json.WritePropertyName(s_attributes);
        json.WriteStartObject();
        json.WritePropertyName(s_properties);
        json.WriteRawValue(item.Properties ?? "{}"u8.ToArray(), skipInputValidation: true);
        if (item.Time is { } time) WriteTime(json, time);
        if (item.Value is { } value) json.WriteNumber(s_value, value);
        if (item.Currency is { } currency) json.WriteString(s_currency, currency);
        if (item.UniqueId is { } uniqueId) json.WriteString(s_uniqueId, uniqueId);
        if (item.Backfill) json.WriteBoolean(s_backfill, true);
        json.WritePropertyName(s_metric);
        json.WriteStartObject();
        json.WritePropertyName(s_data);
        json.WriteStartObject();
        json.WriteString(s_type, s_metric);
        json.WritePropertyName(s_attributes);
        json.WriteStartObject();
        json.WriteString(s_name, item.Metric);
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndObject();
        if (includeProfile)
        {
            json.WritePropertyName(s_profile);
            json.WriteStartObject();
            json.WritePropertyName(s_data);
            WriteProfileResource(json, item.Profile);
            json.WriteEndObject();
        }
        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>ISO-8601 in UTC with at most millisecond precision.</summary>
    private static void WriteTime(Utf8JsonWriter json, DateTimeOffset time)
    {
        var utc = time.UtcDateTime;
        utc = new DateTime(utc.Ticks - utc.Ticks % TimeSpan.TicksPerMillisecond, DateTimeKind.Utc);
        Span<char> chars = stackalloc char[32];
        utc.TryFormat(chars, out var written, "yyyy-MM-dd'T'HH:mm:ss.fff'+00:00'", System.Globalization.CultureInfo.InvariantCulture);
        json.WriteString(s_time, chars[..written]);
    }
}
