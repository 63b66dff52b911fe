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

    /// <summary>
    /// Largest profile row put into a bulk import job (100 KB in the decimal reading, the stricter one): a larger
    /// profile (up to <see cref="MaxProfileBytes"/>) goes to the single profile-import endpoint instead, so the two
    /// readings of "100 KB" can never make Klaviyo refuse a whole job for one row.
    /// </summary>
    public const int MaxBulkProfileRowBytes = 100_000;

    /// <summary>Most profiles in one bulk import job.</summary>
    public const int MaxProfilesPerBulkJob = 10_000;

    /// <summary>Most events in one bulk create job.</summary>
    public const int MaxEventsPerBulkJob = 1_000;

    /// <summary>Most profile ids per <c>POST</c>/<c>DELETE /api/lists/{id}/relationships/profiles</c>.</summary>
    public const int MaxListChangesPerCall = 1_000;

    /// <summary>Most profiles per subscription bulk create job.</summary>
    public const int MaxSubscribePerJob = 1_000;

    /// <summary>Most profiles per subscription bulk delete job.</summary>
    public const int MaxUnsubscribePerJob = 100;

    /// <summary>Most emails per <c>GET /api/profiles?filter=any(email,[…])</c> (the largest page).</summary>
    public const int MaxLookupPerCall = 100;

    /// <summary>Deepest nesting of a property value.</summary>
    public const int MaxNestingDepth = 10;

    /// <summary>Most items in one array property.</summary>
    public const int MaxArrayItems = 4000;

    /// <summary>An event's <c>time</c> must be in this year or later (Klaviyo refuses events from before 1990).</summary>
    public const int EarliestEventYear = 1990;

    /// <summary>An event's <c>time</c> may be at most this many days after the time of sending (one year).</summary>
    public const int MaxEventDaysAhead = 365;
}
