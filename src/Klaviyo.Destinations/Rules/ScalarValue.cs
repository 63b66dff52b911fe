using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Klaviyo.Destinations.Rules;

/// <summary>Reads untyped values (CLR primitives, <see cref="JsonElement"/>, <see cref="JsonNode"/>) as text or numbers.</summary>
internal static class ScalarValue
{
    public static bool IsNull(object? value) =>
        value is null || value is JsonElement { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined };

    /// <summary>Text for a text field: strings as-is; numbers and booleans in invariant form.</summary>
    public static bool TryGetText(object? value, out string? text)
    {
        switch (value)
        {
            case string s: text = s; return true;
            case JsonElement { ValueKind: JsonValueKind.String } e: return Mapping.JsonText.TryGet(e, out text);
            case JsonElement { ValueKind: JsonValueKind.Number } e: text = e.GetRawText(); return true;
            case JsonElement { ValueKind: JsonValueKind.True or JsonValueKind.False } e: text = e.GetBoolean() ? "true" : "false"; return true;
            case JsonValue v when v.TryGetValue<string>(out var s): text = s; return true;
            case JsonValue v when v.TryGetValue<JsonElement>(out var e): return TryGetText(e, out text);
            case JsonValue v: text = v.ToJsonString(); return true;
            case Guid g: text = g.ToString(); return true;
            case Uri u: text = u.OriginalString; return true;
            case Enum en: text = en.ToString(); return true;
            case bool b: text = b ? "true" : "false"; return true;
            case IFormattable f when value is int or long or short or byte or sbyte or ushort or uint or ulong or decimal or double or float:
                text = f.ToString(null, CultureInfo.InvariantCulture);
                return true;
            default: text = null; return false;
        }
    }

    public static bool TryGetDouble(object? value, out double number)
    {
        switch (value)
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
            case string text: return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out number);
            case JsonElement { ValueKind: JsonValueKind.Number } e: return e.TryGetDouble(out number);
            case JsonElement { ValueKind: JsonValueKind.String } e: return double.TryParse(Mapping.JsonText.TryGet(e, out var es) ? es : null, NumberStyles.Float, CultureInfo.InvariantCulture, out number);
            case JsonValue v when v.TryGetValue<JsonElement>(out var el): return TryGetDouble(el, out number);
            case JsonValue v when v.TryGetValue<double>(out var dd): number = dd; return true;
            case JsonValue v when v.TryGetValue<string>(out var vs): return double.TryParse(vs, NumberStyles.Float, CultureInfo.InvariantCulture, out number);
            default: number = 0; return false;
        }
    }

    public static bool TryGetTime(object? value, out DateTimeOffset time)
    {
        switch (value)
        {
            case DateTimeOffset dto: time = dto; return true;
            case DateTime dt: time = dt.Kind == DateTimeKind.Local ? new DateTimeOffset(dt) : new DateTimeOffset(DateTime.SpecifyKind(dt, DateTimeKind.Utc)); return true;
            default:
                if (TryGetText(value, out var text) && text is not null)
                    return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out time);
                time = default;
                return false;
        }
    }

    /// <summary>Enumerates a nested object (dictionary, JSON object) as key/value pairs; false when the value is not an object.</summary>
    public static bool TryGetObject(object? value, out IEnumerable<KeyValuePair<string, object?>> entries)
    {
        switch (value)
        {
            case IReadOnlyDictionary<string, object?> map: entries = map; return true;
            case IDictionary<string, object?> dict: entries = dict; return true;
            case JsonElement { ValueKind: JsonValueKind.Object } e: entries = e.EnumerateObject().Select(p => new KeyValuePair<string, object?>(p.Name, p.Value)); return true;
            case JsonObject o: entries = o.Select(p => new KeyValuePair<string, object?>(p.Key, p.Value)); return true;
            default: entries = []; return false;
        }
    }
}
