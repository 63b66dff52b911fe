using System.Text.Json;

namespace Klaviyo.Destinations.Mapping;

/// <summary>
/// Helpers that generated mappers call for nested values. They throw <see cref="ArgumentException"/> for a value
/// Klaviyo cannot take; the runtime turns that into a per-event rejection with the message as its reason.
/// </summary>
public static class KlaviyoJsonValue
{
    /// <summary>Throws when <paramref name="depth"/> exceeds Klaviyo's nesting limit (10 levels).</summary>
    public static void CheckDepth(int depth)
    {
        if (depth > JsonValueWriter.MaxDepth)
            throw new ArgumentException($"A value is nested deeper than Klaviyo's limit of {JsonValueWriter.MaxDepth} levels (or refers to itself).");
    }

    /// <summary>Writes an untyped value (dictionary, JSON node, primitive, collection) after checking it.</summary>
    public static void Write(Utf8JsonWriter json, object? value, int depth)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (!JsonValueWriter.CanWrite(value, depth, out var reason))
            throw new ArgumentException($"A nested value {reason}.");
        JsonValueWriter.Write(json, value);
    }
}
