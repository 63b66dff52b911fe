using System.Text;

namespace Klaviyo.Destinations.Mapping;

/// <summary>Klaviyo's limits on strings, checked before a string reaches the JSON writer.</summary>
internal static class TextRules
{
    /// <summary>Klaviyo rejects any string over 100 KB.</summary>
    public const int MaxStringBytes = KlaviyoLimits.MaxStringBytes;

    /// <summary>Returns false with a reason when <paramref name="value"/> cannot be sent as a Klaviyo string.</summary>
    public static bool IsValid(string value, out string? reason)
    {
        if (value.Length > MaxStringBytes / 3 && Encoding.UTF8.GetByteCount(value) > MaxStringBytes)
        {
            reason = $"is longer than Klaviyo's 100 KB string limit ({value.Length} characters)";
            return false;
        }
        var span = value.AsSpan();
        if (span.IndexOfAnyInRange('\uD800', '\uDFFF') >= 0 && !Utf16IsWellFormed(span))
        {
            reason = "contains an unpaired UTF-16 surrogate, which is not valid text";
            return false;
        }
        reason = null;
        return true;
    }

    private static bool Utf16IsWellFormed(ReadOnlySpan<char> span)
    {
        for (var i = 0; i < span.Length; i++)
        {
            var c = span[i];
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 >= span.Length || !char.IsLowSurrogate(span[i + 1])) return false;
                i++;
            }
            else if (char.IsLowSurrogate(c))
            {
                return false;
            }
        }
        return true;
    }
}
