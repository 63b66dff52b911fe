using System.ComponentModel;
using System.Numerics;
using System.Text.Json;

namespace Klaviyo.Destinations.Mapping;

/// <summary>
/// Helpers that generated mappers call for nested values. They throw <see cref="ArgumentException"/> for a value
/// Klaviyo cannot take; the runtime turns that into a per-event rejection with the message as its reason.
/// </summary>
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
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

    /// <summary>Writes a big integer: a number up to 2^53 in magnitude, a string of digits beyond (a double cannot hold it exactly).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static void WriteNumber(Utf8JsonWriter json, BigInteger value)
    {
        ArgumentNullException.ThrowIfNull(json);
        ScalarFormats.WriteNumber(json, value);
    }

    /// <summary>A time of day as ISO-8601 (<c>HH:mm:ss.FFFFFFF</c>).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static string Format(TimeOnly value) => ScalarFormats.Format(value);

    /// <summary>A duration as ISO-8601 (<c>P1DT2H30M</c>).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static string Format(TimeSpan value) => ScalarFormats.Format(value);
}
