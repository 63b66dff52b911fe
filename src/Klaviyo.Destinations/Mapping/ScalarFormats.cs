using System.Globalization;
using System.Numerics;
using System.Text.Json;

namespace Klaviyo.Destinations.Mapping;

/// <summary>
/// The JSON form of the scalar types JSON has no word for, for every payload shape (generated mappers,
/// dictionaries): big integers are numbers while a double holds them exactly (|n| ≤ 2^53) and strings of digits
/// beyond; <see cref="Half"/> is a number; <see cref="TimeOnly"/> is an ISO-8601 time of day
/// (<c>HH:mm:ss.FFFFFFF</c>); <see cref="TimeSpan"/> is an ISO-8601 duration (<c>P1DT2H30M</c>).
/// </summary>
internal static class ScalarFormats
{
    /// <summary>2^53: beyond it a double (what Klaviyo stores numbers as) loses integer precision.</summary>
    private static readonly BigInteger s_maxExact = BigInteger.Pow(2, 53);

    public static void WriteNumber(Utf8JsonWriter json, BigInteger value)
    {
        if (BigInteger.Abs(value) <= s_maxExact) json.WriteNumberValue((long)value);
        else json.WriteStringValue(value.ToString(CultureInfo.InvariantCulture));
    }

    public static string Format(TimeOnly value) => value.ToString("HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture).TrimEnd('.');

    public static string Format(TimeSpan value) => System.Xml.XmlConvert.ToString(value);

    /// <summary>The dictionary path's view of the same types (boxed), or false for any other value.</summary>
    public static bool TryWrite(Utf8JsonWriter json, object value)
    {
        switch (value)
        {
            case BigInteger b: WriteNumber(json, b); return true;
            case Int128 i: WriteNumber(json, i); return true;
            case UInt128 u: WriteNumber(json, u); return true;
            case Half h: json.WriteNumberValue((double)h); return true;
            case TimeOnly t: json.WriteStringValue(Format(t)); return true;
            case TimeSpan s: json.WriteStringValue(Format(s)); return true;
            default: return false;
        }
    }

    /// <summary>True for the types <see cref="TryWrite"/> writes (a Half must be finite).</summary>
    public static bool IsScalar(object value, out string? reason)
    {
        reason = null;
        switch (value)
        {
            case BigInteger or Int128 or UInt128 or TimeOnly or TimeSpan: return true;
            case Half h when Half.IsFinite(h): return true;
            case Half h:
                reason = $"is {h.ToString(CultureInfo.InvariantCulture)}, which JSON cannot carry";
                return true;
            default: return false;
        }
    }
}
