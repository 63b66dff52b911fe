using System.Globalization;
using System.Text.Json;

namespace Klaviyo.Destinations.Mapping;

/// <summary>
/// Collects an event's Klaviyo attributes: properties are streamed to JSON, the top-level fields
/// (<c>value</c>, <c>value_currency</c>, <c>unique_id</c>, <c>time</c>) are buffered until <see cref="Finish"/>.
/// One instance is reused per thread; it is not thread-safe.
/// </summary>
public sealed class EventWriter : KlaviyoPropertyWriter
{
    private static readonly JsonEncodedText s_value = JsonEncodedText.Encode("value");
    private static readonly JsonEncodedText s_currency = JsonEncodedText.Encode("value_currency");
    private static readonly JsonEncodedText s_uniqueId = JsonEncodedText.Encode("unique_id");
    private static readonly JsonEncodedText s_time = JsonEncodedText.Encode("time");
    private static readonly JsonEncodedText s_metric = JsonEncodedText.Encode("metric");
    private static readonly JsonEncodedText s_data = JsonEncodedText.Encode("data");
    private static readonly JsonEncodedText s_type = JsonEncodedText.Encode("type");
    private static readonly JsonEncodedText s_attributes = JsonEncodedText.Encode("attributes");
    private static readonly JsonEncodedText s_name = JsonEncodedText.Encode("name");
    private static readonly JsonEncodedText s_metricType = JsonEncodedText.Encode("metric");
    private static readonly JsonEncodedText s_backfill = JsonEncodedText.Encode("backfill");

    /// <summary>The event's monetary value, if any.</summary>
    public double? Value { get; private set; }

    /// <summary>ISO-4217 currency of <see cref="Value"/>, if any.</summary>
    public string? Currency { get; private set; }

    /// <summary>The dedupe key, if the event carries one.</summary>
    public string? UniqueId { get; private set; }

    /// <summary>When the event happened, if the event carries it.</summary>
    public DateTimeOffset? Time { get; private set; }

    /// <summary>An email found among the event's properties (Segment puts it on the event's profile).</summary>
    public string? Email { get; private set; }

    /// <summary>Starts an event: writes the opening brace of the event's <c>attributes</c>.</summary>
    public void Start(Utf8JsonWriter json)
    {
        ArgumentNullException.ThrowIfNull(json);
        Value = null;
        Currency = null;
        UniqueId = null;
        Time = null;
        Email = null;
        StartWriter(json);
        json.WriteStartObject();
    }

    /// <summary>Sets <c>value</c>. NaN and infinities are left out and reported.</summary>
    public void SetValue(double? value)
    {
        if (value is null) return;
        if (!double.IsFinite(value.Value))
        {
            AddIssue("value", $"value is {value.Value.ToString(CultureInfo.InvariantCulture)}, which JSON cannot carry; it was left out.");
            return;
        }
        Value = value;
    }

    /// <summary>Sets <c>value</c>.</summary>
    public void SetValue(decimal? value)
    {
        if (value is not null) Value = (double)value.Value;
    }

    /// <summary>Sets <c>value</c> from a numeric string (dictionary path).</summary>
    public void SetValue(string? value)
    {
        if (value is null) return;
        if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed)) SetValue(parsed);
        else AddIssue("value", $"value '{value}' is not a number; it was left out.");
    }

    /// <summary>Sets <c>value_currency</c> (ISO-4217, three letters).</summary>
    public void SetCurrency(string? currency)
    {
        if (currency is null) return;
        if (currency.Length != 3 || !char.IsAsciiLetter(currency[0]) || !char.IsAsciiLetter(currency[1]) || !char.IsAsciiLetter(currency[2]))
        {
            AddIssue("value_currency", $"value_currency '{(currency.Length > 20 ? currency[..20] + "…" : currency)}' is not an ISO-4217 code; it was left out.");
            return;
        }
        Currency = currency;
    }

    /// <summary>Sets <c>unique_id</c>.</summary>
    public void SetUniqueId(string? uniqueId)
    {
        if (string.IsNullOrEmpty(uniqueId)) return;
        if (!TextRules.IsValid(uniqueId, out var reason))
        {
            AddIssue("unique_id", $"unique_id {reason}; it was left out.");
            return;
        }
        UniqueId = uniqueId;
    }

    /// <summary>Sets <c>time</c>.</summary>
    public void SetTime(DateTimeOffset? time)
    {
        if (time is not null) Time = time;
    }

    /// <summary>Sets <c>time</c>; an unspecified kind is taken as UTC.</summary>
    public void SetTime(DateTime? time)
    {
        if (time is null) return;
        var t = time.Value;
        Time = t.Kind == DateTimeKind.Local ? new DateTimeOffset(t) : new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc));
    }

    /// <summary>Records an email for the event's profile (it is also written as a property by the caller).</summary>
    public void SetEmail(string? email)
    {
        if (!string.IsNullOrEmpty(email)) Email = email;
    }

    /// <summary>Writes the buffered fields and the metric and closes the event's <c>attributes</c>.</summary>
    /// <param name="metricName">The Klaviyo metric name (&lt; 128 characters).</param>
    /// <param name="backfill">When true, Klaviyo records the event without triggering flows.</param>
    public void Finish(string metricName, bool backfill = false)
    {
        var json = Json;
        CloseProperties(writeEmpty: true);
        if (Value is { } value) json.WriteNumber(s_value, value);
        if (Currency is { } currency) json.WriteString(s_currency, currency);
        if (UniqueId is { } uniqueId) json.WriteString(s_uniqueId, uniqueId);
        if (Time is { } time) WriteTime(json, s_time, time);
        if (backfill) json.WriteBoolean(s_backfill, true);
        json.WritePropertyName(s_metric);
        json.WriteStartObject();
        json.WritePropertyName(s_data);
        json.WriteStartObject();
        json.WriteString(s_type, s_metricType);
        json.WritePropertyName(s_attributes);
        json.WriteStartObject();
        json.WriteString(s_name, metricName);
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>Writes a time as ISO-8601 in UTC with at most millisecond precision.</summary>
    internal static void WriteTime(Utf8JsonWriter json, JsonEncodedText name, DateTimeOffset time)
    {
        var utc = time.UtcDateTime;
        utc = new DateTime(utc.Ticks - utc.Ticks % TimeSpan.TicksPerMillisecond, DateTimeKind.Utc);
        Span<char> buffer = stackalloc char[32];
        utc.TryFormat(buffer, out var written, "yyyy-MM-dd'T'HH:mm:ss.fff'+00:00'", CultureInfo.InvariantCulture);
        json.WriteString(name, buffer[..written]);
    }
}
