using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Klaviyo.Destinations.Rules;

/// <summary>
/// Reads untyped values (CLR primitives, <see cref="JsonElement"/>, <see cref="JsonNode"/>) as text or numbers. Every
/// shape of one value reads the same: a <see cref="JsonValue"/> is first unwrapped to what it holds (a CLR primitive
/// when built in code, a <see cref="JsonElement"/> when parsed), so <c>new JsonObject { ["$value"] = 5 }</c>, the parsed
/// <c>{"$value":5}</c> and a dictionary holding <c>5</c> all give 5.
/// </summary>
internal static class ScalarValue
{
    /// <summary>What a <see cref="JsonValue"/> holds (a CLR value or a <see cref="JsonElement"/>); other values as they are.</summary>
    public static object? Unwrap(object? value) =>
        value is JsonValue v && v.TryGetValue<object>(out var inner) ? inner : value;

    public static bool IsNull(object? value)
    {
        value = Unwrap(value);
        return value is null || value is JsonElement { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined };
    }

    /// <summary>A string value only (a CLR string or a JSON string), never a number or boolean read as text.</summary>
    public static bool TryGetString(object? value, out string? text)
    {
        switch (Unwrap(value))
        {
            case string s: text = s; return true;
            case JsonElement { ValueKind: JsonValueKind.String } e: text = e.GetString(); return true;
            default: text = null; return false;
        }
    }

    /// <summary>Text for a text field: strings as-is; numbers and booleans in invariant form.</summary>
    public static bool TryGetText(object? value, out string? text)
    {
        switch (Unwrap(value))
        {
            case string s: text = s; return true;
            case JsonElement { ValueKind: JsonValueKind.String } e: return Mapping.JsonText.TryGet(e, out text);
            case JsonElement { ValueKind: JsonValueKind.Number } e: text = e.GetRawText(); return true;
            case JsonElement { ValueKind: JsonValueKind.True or JsonValueKind.False } e: text = e.GetBoolean() ? "true" : "false"; return true;
            case char c: text = c.ToString(); return true;
            case Guid g: text = g.ToString(); return true;
            case Uri u: text = u.OriginalString; return true;
            case Enum en: text = en.ToString(); return true;
            case bool b: text = b ? "true" : "false"; return true;
            case IFormattable f when f is int or long or short or byte or sbyte or ushort or uint or ulong or decimal or double or float:
                text = f.ToString(null, CultureInfo.InvariantCulture);
                return true;
            default: text = null; return false;
        }
    }

    public static bool TryGetDouble(object? value, out double number)
    {
        switch (Unwrap(value))
        {
            case double d: number = d; return true;
            case float f: number = f; return true;
            case decimal m: number = (double)m; return true;
            case int i: number = i; return true;
            case long l: number = l; return true;
            case short s: number = s; return true;
            case uint u: number = u; return true;
            case ulong ul: number = ul; return true;
            case byte b: number = b; return true;
            case sbyte sb: number = sb; return true;
            case ushort us: number = us; return true;
            case string text: return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out number);
            case JsonElement { ValueKind: JsonValueKind.Number } e: return e.TryGetDouble(out number);
            case JsonElement { ValueKind: JsonValueKind.String } e: return double.TryParse(Mapping.JsonText.TryGet(e, out var es) ? es : null, NumberStyles.Float, CultureInfo.InvariantCulture, out number);
            default: number = 0; return false;
        }
    }

    /// <summary>A date-time: <see cref="DateTimeOffset"/>, <see cref="DateTime"/> (unspecified = UTC) or ISO-8601 / RFC 3339 text only.</summary>
    public static bool TryGetTime(object? value, out DateTimeOffset time)
    {
        switch (Unwrap(value))
        {
            case DateTimeOffset dto: time = dto; return true;
            case DateTime dt: time = dt.Kind == DateTimeKind.Local ? new DateTimeOffset(dt) : new DateTimeOffset(DateTime.SpecifyKind(dt, DateTimeKind.Utc)); return true;
            default:
                if (TryGetString(value, out var text)) return IsoTime.TryParse(text, out time);
                time = default;
                return false;
        }
    }

    /// <summary>Enumerates a nested object (dictionary, JSON object) as key/value pairs; false when the value is not an object.</summary>
    public static bool TryGetObject(object? value, out IEnumerable<KeyValuePair<string, object?>> entries)
    {
        switch (Unwrap(value))
        {
            case IReadOnlyDictionary<string, object?> map: entries = map; return true;
            case IDictionary<string, object?> dict: entries = dict; return true;
            case System.Collections.IDictionary other when other.Keys.Cast<object>().All(k => k is string):
                entries = other.Cast<System.Collections.DictionaryEntry>().Select(e => new KeyValuePair<string, object?>((string)e.Key, e.Value));
                return true;
            case JsonElement { ValueKind: JsonValueKind.Object } e: entries = e.EnumerateObject().Select(p => new KeyValuePair<string, object?>(p.Name, p.Value)); return true;
            case JsonObject o: entries = o.Select(p => new KeyValuePair<string, object?>(p.Key, p.Value)); return true;
            default: entries = []; return false;
        }
    }
}
