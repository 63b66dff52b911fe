using System.Globalization;
using System.Text.Json;

namespace Klaviyo.Destinations.Rules;

/// <summary>
/// Reads facts back from an event's mapped <c>properties</c> JSON. Rules that look at the output rather than at the
/// caller's value behave the same for every payload shape (typed model, dictionary, <see cref="JsonElement"/>,
/// <see cref="System.Text.Json.Nodes.JsonObject"/>).
/// </summary>
internal static class MappedProperties
{
    /// <summary>The first of <paramref name="keys"/> (in their order) whose value is a finite number or numeric text.</summary>
    public static double? FirstNumber(byte[] properties, IReadOnlyList<string> keys)
    {
        if (keys.Count == 0) return null;
        var found = new double?[keys.Count];
        var reader = new Utf8JsonReader(properties);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var index = -1;
            for (var i = 0; i < keys.Count && index < 0; i++)
                if (reader.ValueTextEquals(keys[i])) index = i;
            reader.Read();
            if (index >= 0 && found[index] is null && TryNumber(ref reader, out var number)) found[index] = number;
            else reader.Skip();
        }
        foreach (var value in found)
            if (value is not null) return value;
        return null;
    }

    /// <summary>The text of the first of <paramref name="keys"/> whose value is a non-empty string or a number.</summary>
    public static string? FirstText(byte[] properties, IReadOnlyList<string> keys)
    {
        var found = new string?[keys.Count];
        var reader = new Utf8JsonReader(properties);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var index = -1;
            for (var i = 0; i < keys.Count && index < 0; i++)
                if (reader.ValueTextEquals(keys[i])) index = i;
            reader.Read();
            if (index >= 0 && found[index] is null && reader.TokenType is JsonTokenType.String or JsonTokenType.Number)
                found[index] = reader.TokenType == JsonTokenType.String ? reader.GetString() : System.Text.Encoding.UTF8.GetString(reader.ValueSpan);
            else
                reader.Skip();
        }
        foreach (var value in found)
            if (!string.IsNullOrEmpty(value)) return value;
        return null;
    }

    private static bool TryNumber(ref Utf8JsonReader reader, out double number)
    {
        number = 0;
        var ok = reader.TokenType switch
        {
            JsonTokenType.Number => reader.TryGetDouble(out number),
            JsonTokenType.String => double.TryParse(reader.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out number),
            _ => false,
        };
        return ok && double.IsFinite(number);
    }
}
