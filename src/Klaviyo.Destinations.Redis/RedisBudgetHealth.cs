using System.Globalization;

namespace Klaviyo.Destinations.Redis;

/// <summary>
/// What the <c>klaviyo-redis</c> health check says about a shared budget with endpoints on their local fallback: one
/// short line (how long, why, which endpoints; at most <see cref="MaxDescription"/> characters, the list cut with
/// "+N more"), and the whole picture in the data (<c>endpoints</c>: each endpoint, since when and the full error).
/// </summary>
internal static class RedisBudgetHealth
{
    /// <summary>The longest description (health UIs and probes show one line).</summary>
    public const int MaxDescription = 200;

    public static (string Description, Dictionary<string, object> Data) Describe(RedisRateBudget budget, DateTimeOffset now)
    {
        var degraded = budget.DegradedEndpoints;
        if (degraded.Count == 0) return ("", []);
        var (_, since, reason) = degraded[0];
        var data = new Dictionary<string, object>
        {
            ["since"] = since,
            ["fallbackRequests"] = budget.FallbackRequests,
            ["error"] = reason,
            ["endpoints"] = string.Join(Environment.NewLine, degraded.Select(e =>
                string.Create(CultureInfo.InvariantCulture, $"{e.Endpoint} since {e.Since:O}: {e.Reason}"))),
        };
        var head = $"Redis unreachable for {RedisFailureText.Lasting(now - since)} ({RedisFailureText.Summarize(reason)}); on the local fallback share: ";
        return (Fit(head, [.. degraded.Select(e => e.Endpoint)]), data);
    }

    /// <summary><paramref name="head"/> and as many endpoints as fit in <see cref="MaxDescription"/> characters, the rest counted.</summary>
    internal static string Fit(string head, IReadOnlyList<string> endpoints)
    {
        for (var shown = endpoints.Count; shown > 0; shown--)
        {
            var more = endpoints.Count - shown;
            var line = head + string.Join(", ", endpoints.Take(shown)) + (more > 0 ? string.Create(CultureInfo.InvariantCulture, $" +{more} more") : "") + ".";
            if (line.Length <= MaxDescription) return line;
        }
        var counted = string.Create(CultureInfo.InvariantCulture, $"{head}{endpoints.Count} endpoint{(endpoints.Count == 1 ? "" : "s")}.");
        return counted.Length <= MaxDescription ? counted : string.Concat(counted.AsSpan(0, MaxDescription - 1), "…");
    }
}
