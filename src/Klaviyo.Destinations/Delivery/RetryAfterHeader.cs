using System.Globalization;

namespace Klaviyo.Destinations;

/// <summary>
/// Reads how long a server asks us to wait, trusting it only within bounds: <c>X-Emulator-Retry-After-Ms</c> (the
/// emulator's exact, time-compressed wait) when it is a finite, non-negative number, else <c>Retry-After</c> (seconds or
/// an HTTP date). Whatever the header says, the wait is between 0 and <see cref="Max"/>: a hostile or broken answer
/// (<c>Retry-After: 99999999</c>, <c>NaN</c>, a date years ahead) can delay an endpoint by an hour at most, never stop it.
/// </summary>
internal static class RetryAfterHeader
{
    /// <summary>The longest wait any answer can impose: one hour.</summary>
    public static readonly TimeSpan Max = TimeSpan.FromHours(1);

    public static TimeSpan? Read(HttpResponseMessage response, DateTimeOffset now)
    {
        if (response.Headers.TryGetValues("X-Emulator-Retry-After-Ms", out var values) &&
            double.TryParse(values.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var milliseconds) &&
            double.IsFinite(milliseconds) && milliseconds >= 0)
            return milliseconds >= Max.TotalMilliseconds ? Max : TimeSpan.FromMilliseconds(milliseconds);
        if (response.Headers.RetryAfter is { } retryAfter)
        {
            if (retryAfter.Delta is { } delta) return Clamp(delta);
            if (retryAfter.Date is { } date) return Clamp(date - now);
        }
        return null;
    }

    /// <summary>A wait within [0, <see cref="Max"/>].</summary>
    public static TimeSpan Clamp(TimeSpan wait) => wait < TimeSpan.Zero ? TimeSpan.Zero : wait > Max ? Max : wait;
}
