using System.Collections;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Klaviyo.Destinations.Mapping;

/// <summary>
/// Writes untyped values (dictionary traits, <see cref="JsonElement"/>, <see cref="JsonNode"/>) as JSON without
/// reflection. <c>CanWrite</c> checks a value against Klaviyo's limits first, so a bad value is left out
/// with a reason instead of breaking the message.
/// </summary>
internal static class JsonValueWriter
{
    /// <summary>Klaviyo's ingestion limit on nesting.</summary>
    public const int MaxDepth = KlaviyoLimits.MaxNestingDepth;

    /// <summary>Klaviyo's ingestion limit on array length.</summary>
    public const int MaxArrayItems = KlaviyoLimits.MaxArrayItems;

    public static bool CanWrite(object? value, int depth, out string? reason)
    {
        reason = null;
        switch (value)
        {
            case null or bool or int or long or short or sbyte or byte or ushort or uint or ulong or decimal
                or DateTime or DateTimeOffset or DateOnly or Guid or char or Enum:
                return true;
            case string s:
                return TextRules.IsValid(s, out reason);
            case Uri u:
                return TextRules.IsValid(u.OriginalString, out reason);
            case double d:
                return Finite(d, out reason);
            case float f:
                return Finite(f, out reason);
            case JsonElement e:
                return CanWrite(e, depth, out reason);
            case JsonNode n:
                return CanWrite(n, depth, out reason);
        }
        if (ScalarFormats.IsScalar(value, out reason)) return reason is null;
        if (depth > MaxDepth)
        {
            reason = $"is nested deeper than Klaviyo's limit of {MaxDepth} levels";
            return false;
        }
        switch (value)
        {
            case IReadOnlyDictionary<string, object?> map:
                foreach (var kv in map)
                    if (!CanWrite(kv.Value, depth + 1, out reason)) return Prefix(kv.Key, ref reason);
                return true;
            case IDictionary<string, object?> dict:
                foreach (var kv in dict)
                    if (!CanWrite(kv.Value, depth + 1, out reason)) return Prefix(kv.Key, ref reason);
                return true;
            case IDictionary typed:
                // Typed dictionaries (Dictionary<string, int>, …): string keys, values checked like any other.
                foreach (DictionaryEntry kv in typed)
                {
                    if (kv.Key is not string key)
                    {
                        reason = $"is a dictionary with {kv.Key.GetType().Name} keys; only string keys can become JSON property names";
                        return false;
                    }
                    if (!CanWrite(kv.Value, depth + 1, out reason)) return Prefix(key, ref reason);
                }
                return true;
            case IEnumerable items:
                var count = 0;
                foreach (var item in items)
                {
                    if (++count > MaxArrayItems)
                    {
                        reason = $"has more than Klaviyo's limit of {MaxArrayItems} array items";
                        return false;
                    }
                    if (!CanWrite(item, depth + 1, out reason)) return false;
                }
                return true;
            default:
                reason = $"has type {value!.GetType().Name}, which has no JSON form here (use a [KlaviyoEvent]/[KlaviyoProfile] model, a dictionary, a primitive or a collection)";
                return false;
        }
    }

    private static bool Prefix(string key, ref string? reason)
    {
        reason = $"→ '{key}' {reason}";
        return false;
    }

    private static bool Finite(double d, out string? reason)
    {
        reason = double.IsFinite(d) ? null : $"is {d.ToString(CultureInfo.InvariantCulture)}, which JSON cannot carry";
        return reason is null;
    }

    private static bool CanWrite(JsonElement e, int depth, out string? reason)
    {
        reason = null;
        switch (e.ValueKind)
        {
            case JsonValueKind.String:
                if (JsonText.TryGet(e, out var text)) return TextRules.IsValid(text!, out reason);
                reason = JsonText.Unreadable;
                return false;
            case JsonValueKind.Object:
                if (depth > MaxDepth) { reason = $"is nested deeper than Klaviyo's limit of {MaxDepth} levels"; return false; }
                if (JsonDuplicateKeys.Problem(e) is { } problem) { reason = problem; return false; }
                foreach (var p in e.EnumerateObject())
                    if (!CanWrite(p.Value, depth + 1, out reason)) return Prefix(p.Name, ref reason);
                return true;
            case JsonValueKind.Array:
                if (depth > MaxDepth) { reason = $"is nested deeper than Klaviyo's limit of {MaxDepth} levels"; return false; }
                if (e.GetArrayLength() > MaxArrayItems) { reason = $"has more than Klaviyo's limit of {MaxArrayItems} array items"; return false; }
                foreach (var item in e.EnumerateArray())
                    if (!CanWrite(item, depth + 1, out reason)) return false;
                return true;
            default:
                return true;
        }
    }

    private static bool CanWrite(JsonNode n, int depth, out string? reason)
    {
        reason = null;
        switch (n)
        {
            case JsonObject o:
                if (depth > MaxDepth) { reason = $"is nested deeper than Klaviyo's limit of {MaxDepth} levels"; return false; }
                foreach (var kv in o)
                    if (kv.Value is not null && !CanWrite(kv.Value, depth + 1, out reason)) return Prefix(kv.Key, ref reason);
                return true;
            case JsonArray a:
                if (depth > MaxDepth) { reason = $"is nested deeper than Klaviyo's limit of {MaxDepth} levels"; return false; }
                if (a.Count > MaxArrayItems) { reason = $"has more than Klaviyo's limit of {MaxArrayItems} array items"; return false; }
                foreach (var item in a)
                    if (item is not null && !CanWrite(item, depth + 1, out reason)) return false;
                return true;
            case JsonValue v:
                if (v.TryGetValue<string>(out var s)) return TextRules.IsValid(s, out reason);
                if (v.TryGetValue<double>(out var d)) return Finite(d, out reason);
                if (v.TryGetValue<float>(out var f)) return Finite(f, out reason);
                if (v.TryGetValue<JsonElement>(out var el)) return CanWrite(el, depth, out reason);
                return true;
            default:
                return true;
        }
    }

    /// <summary>Writes a value that <c>CanWrite</c> accepted.</summary>
    public static void Write(Utf8JsonWriter json, object? value)
    {
        switch (value)
        {
            case null: json.WriteNullValue(); return;
            case string s: json.WriteStringValue(s); return;
            case bool b: json.WriteBooleanValue(b); return;
            case int i: json.WriteNumberValue(i); return;
            case long l: json.WriteNumberValue(l); return;
            case double d: json.WriteNumberValue(d); return;
            case decimal m: json.WriteNumberValue(m); return;
            case float f: json.WriteNumberValue(f); return;
            case short sh: json.WriteNumberValue(sh); return;
            case byte by: json.WriteNumberValue(by); return;
            case sbyte sb: json.WriteNumberValue(sb); return;
            case ushort us: json.WriteNumberValue(us); return;
            case uint ui: json.WriteNumberValue(ui); return;
            case ulong ul: json.WriteNumberValue(ul); return;
            case char c: json.WriteStringValue(c.ToString()); return;
            case DateTime dt: json.WriteStringValue(dt); return;
            case DateTimeOffset dto: json.WriteStringValue(dto); return;
            case DateOnly date: json.WriteStringValue(date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)); return;
            case Guid g: json.WriteStringValue(g); return;
            case Uri u: json.WriteStringValue(u.OriginalString); return;
            case Enum en: json.WriteStringValue(en.ToString()); return;
            case JsonElement e: e.WriteTo(json); return;
            case JsonNode n: n.WriteTo(json); return;
            case not null when ScalarFormats.TryWrite(json, value): return;
            case IReadOnlyDictionary<string, object?> map:
                json.WriteStartObject();
                foreach (var kv in map) { json.WritePropertyName(kv.Key); Write(json, kv.Value); }
                json.WriteEndObject();
                return;
            case IDictionary<string, object?> dict:
                json.WriteStartObject();
                foreach (var kv in dict) { json.WritePropertyName(kv.Key); Write(json, kv.Value); }
                json.WriteEndObject();
                return;
            case IDictionary typed:
                json.WriteStartObject();
                foreach (DictionaryEntry kv in typed) { json.WritePropertyName((string)kv.Key); Write(json, kv.Value); }
                json.WriteEndObject();
                return;
            case IEnumerable items:
                json.WriteStartArray();
                foreach (var item in items) Write(json, item);
                json.WriteEndArray();
                return;
            default:
                throw new InvalidOperationException($"Type {value.GetType().Name} was not checked with CanWrite.");
        }
    }
}
