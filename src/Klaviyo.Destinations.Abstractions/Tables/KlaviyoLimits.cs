namespace Klaviyo.Destinations;

/// <summary>
/// Klaviyo's limits on what a request may carry (API revision 2026-07-15), declared once. The runtime checks them
/// before sending, the analyzers check them at compile time, and the docs quote them from here.
/// </summary>
public static class KlaviyoLimits
{
    /// <summary>Longest metric (event) name: Klaviyo wants names shorter than 128 characters.</summary>
    public const int MaxMetricNameLength = 127;

    /// <summary>Most properties on one event.</summary>
    public const int MaxEventProperties = 400;

    /// <summary>Largest string value, in UTF-8 bytes (100 KB).</summary>
    public const int MaxStringBytes = 100 * 1024;

    /// <summary>Largest profile (profile-import payload, bulk import row), in bytes of JSON (100 KB).</summary>
    public const int MaxProfileBytes = 100 * 1024;

    /// <summary>Largest request, in bytes (5 MB, decimal reading).</summary>
    public const int MaxRequestBytes = 5_000_000;

    /// <summary>Deepest nesting of a property value.</summary>
    public const int MaxNestingDepth = 10;

    /// <summary>Most items in one array property.</summary>
    public const int MaxArrayItems = 4000;

    /// <summary>An event's <c>time</c> must be in this year or later (Klaviyo refuses events from before 1990).</summary>
    public const int EarliestEventYear = 1990;

    /// <summary>An event's <c>time</c> may be at most this many days after the time of sending (one year).</summary>
    public const int MaxEventDaysAhead = 365;
}
