using System.Globalization;
using System.Text.Json;

namespace Klaviyo.Destinations.Mapping;

/// <summary>
/// Collects an event: its properties are streamed to JSON (the writer's object <em>is</em> the
/// <c>properties</c> object); the top-level fields (<c>value</c>, <c>value_currency</c>, <c>unique_id</c>,
/// <c>time</c>) are kept aside so the runtime can apply its rules before the request body is composed.
/// One instance is reused per thread; it is not thread-safe.
/// </summary>
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
public sealed class EventWriter : KlaviyoPropertyWriter
{
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

    /// <summary>Dictionary path: the table row that gave <see cref="Value"/> (a lower row gives way to a higher one).</summary>
    internal int ValueRank { get; set; } = int.MaxValue;

    /// <summary>Starts an event: opens the properties object on <paramref name="json"/>.</summary>
    public void Start(Utf8JsonWriter json)
    {
        ArgumentNullException.ThrowIfNull(json);
        Value = null;
        Currency = null;
        UniqueId = null;
        Time = null;
        Email = null;
        ValueRank = int.MaxValue;
        StartWriter(json, flat: true);
        json.WriteStartObject();
    }

    /// <summary>Closes the properties object. Call once, after every Set/Property.</summary>
    public void Finish() => Json.WriteEndObject();

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
        else AddIssue("value", $"value '{Shorten(value)}' is not a number; it was left out.");
    }

    /// <summary>Sets <c>value_currency</c> (ISO-4217, three letters).</summary>
    public void SetCurrency(string? currency)
    {
        if (currency is null) return;
        if (currency.Length != 3 || !char.IsAsciiLetter(currency[0]) || !char.IsAsciiLetter(currency[1]) || !char.IsAsciiLetter(currency[2]))
        {
            AddIssue("value_currency", $"value_currency '{Shorten(currency)}' is not an ISO-4217 code; it was left out.");
            return;
        }
        Currency = currency.ToUpperInvariant();
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

    /// <summary>Records an email for the event's profile (the caller also writes it as a property).</summary>
    public void SetEmail(string? email)
    {
        if (!string.IsNullOrEmpty(email)) Email = email;
    }

    private static string Shorten(string value) => value.Length <= 20 ? value : value[..20] + "…";
}
