using System.Text.Json;

namespace Klaviyo.Destinations.Mapping;

/// <summary>
/// The one way strings are read from untrusted JSON (payloads, NDJSON lines, Klaviyo's answers). JSON can escape a lone
/// UTF-16 surrogate (<c>"\ud800"</c>), which <see cref="JsonElement.GetString"/> refuses with an
/// <see cref="InvalidOperationException"/>; here it is a value that cannot be read, with a reason, never an exception.
/// </summary>
internal static class JsonText
{
    /// <summary>Why a JSON string could not be read.</summary>
    public const string Unreadable = "contains an unpaired UTF-16 surrogate (an escape such as \\ud800 without its pair), which is not valid text";

    /// <summary>Reads a JSON string; false (value null) when <paramref name="element"/> is not a string or cannot be decoded.</summary>
    public static bool TryGet(JsonElement element, out string? value)
    {
        value = null;
        if (element.ValueKind != JsonValueKind.String) return false;
        try
        {
            value = element.GetString();
            return value is not null;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Reads the string token under <paramref name="reader"/>; false (value null) when it is not a string or cannot be decoded.</summary>
    public static bool TryGet(ref Utf8JsonReader reader, out string? value)
    {
        value = null;
        if (reader.TokenType != JsonTokenType.String) return false;
        try
        {
            value = reader.GetString();
            return value is not null;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>The string member <paramref name="name"/> of an object; null when absent, not a string or unreadable.</summary>
    public static string? Member(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && TryGet(value, out var text) ? text : null;

    /// <summary>
    /// The string member <paramref name="name"/>: absent or not a string → (null, null); a string that cannot be decoded
    /// → (null, reason naming <paramref name="path"/>).
    /// </summary>
    public static (string? Value, string? Error) Read(JsonElement element, string name, string path)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String) return (null, null);
        return TryGet(value, out var text) ? (text, null) : (null, $"'{path}' {Unreadable}");
    }
}
