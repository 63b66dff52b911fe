using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Klaviyo.Destinations;

/// <summary>Klaviyo keeps a revision stable for about a year after its release, then deprecates and later retires it.</summary>
internal static class RevisionCheck
{
    /// <summary>How long Klaviyo keeps a revision in its stable window.</summary>
    public static readonly TimeSpan StableWindow = TimeSpan.FromDays(365);

    /// <summary>Days since the revision's release when it is past the stable window at <paramref name="now"/>; otherwise null.</summary>
    public static int? DaysPastRelease(string revision, DateTimeOffset now)
    {
        if (revision is not { Length: >= 10 } ||
            !DateOnly.TryParseExact(revision.AsSpan(0, 10), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var released))
            return null;
        var age = now.UtcDateTime - released.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        return age > StableWindow ? (int)age.TotalDays : null;
    }

    /// <summary>Logs one warning when the revision in use has left the stable window.</summary>
    public static void WarnIfStale(string revision, DateTimeOffset now, ILogger logger)
    {
        if (DaysPastRelease(revision, now) is { } days) Log.RevisionStale(logger, revision, days, KlaviyoApi.Revision);
    }
}
