using System.Globalization;

namespace Klaviyo.Destinations.Rules;

/// <summary>
/// Reads date-times written as ISO-8601 / RFC 3339 (<c>2026-03-04T05:06:07.891Z</c>, <c>2026-03-04T05:06:07+02:00</c>,
/// <c>2026-03-04 05:06:07Z</c>, a date alone <c>2026-03-04</c>; without an offset the time is UTC) and nothing else:
/// <c>03/04/2026</c> could be 3 April or 4 March, so it is refused instead of guessed. Also checks an event time
/// against Klaviyo's range (<see cref="KlaviyoLimits"/>).
/// </summary>
internal static class IsoTime
{
    private static readonly string[] s_formats = BuildFormats();

    /// <summary>The words a refusal uses for the accepted forms.</summary>
    public const string Expected = "an ISO-8601 / RFC 3339 date-time such as 2026-03-04T05:06:07Z";

    public static bool TryParse(string? text, out DateTimeOffset time)
    {
        time = default;
        if (string.IsNullOrWhiteSpace(text) || text.Length < 10) return false;
        var s = text.Trim();
        // RFC 3339 allows lower-case 't' and 'z'; a date starts with four digits and a dash.
        if (!(char.IsAsciiDigit(s[0]) && char.IsAsciiDigit(s[1]) && char.IsAsciiDigit(s[2]) && char.IsAsciiDigit(s[3]) && s[4] == '-')) return false;
        s = s.Replace('t', 'T').Replace('z', 'Z');
        return DateTimeOffset.TryParseExact(s, s_formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out time);
    }

    /// <summary>Null when Klaviyo accepts <paramref name="time"/> as an event time; otherwise why not.</summary>
    public static string? OutOfRange(DateTimeOffset time, DateTimeOffset now)
    {
        if (time.UtcDateTime.Year < KlaviyoLimits.EarliestEventYear)
            return $"The event time {Format(time)} is before {KlaviyoLimits.EarliestEventYear}; Klaviyo refuses such events. Check the timestamp (seconds vs milliseconds, a default date).";
        if (time > now.AddDays(KlaviyoLimits.MaxEventDaysAhead))
            return $"The event time {Format(time)} is more than a year ahead of now ({Format(now)}); Klaviyo refuses such events. Check the timestamp and the clock.";
        return null;
    }

    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string[] BuildFormats()
    {
        var formats = new List<string> { "yyyy-MM-dd" };
        foreach (var separator in new[] { "'T'", "' '" })
            foreach (var clock in new[] { "HH:mm", "HH:mm:ss", "HH:mm:ss.FFFFFFF" })
                foreach (var zone in new[] { "", "'Z'", "zzz", "zz" })
                    formats.Add("yyyy-MM-dd" + separator + clock + zone);
        return formats.ToArray();
    }
}
