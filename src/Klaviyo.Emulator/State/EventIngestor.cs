using System.Globalization;
using System.Text.Json.Nodes;

namespace Klaviyo.Emulator.State;

/// <summary>Stores events, deduplicating on profile + metric + unique_id (or the time to the second when no unique_id is sent).</summary>
internal static class EventIngestor
{
    /// <summary>The dedupe key of an event; the time stands in for a missing <c>unique_id</c>, as Klaviyo documents.</summary>
    public static string Key(string profileId, string metricName, string? uniqueId, DateTimeOffset time) =>
        $"{profileId}\n{metricName}\n{uniqueId ?? "@" + time.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Adds an event for <paramref name="profile"/> unless its key was seen; returns false when it was dropped.</summary>
    public static bool Add(EmulatorStore store, ProfileRecord profile, JsonObject attributes, string source, bool backfillDefault)
    {
        var now = store.Now;
        var metricName = attributes["metric"]!["data"]!["attributes"]!["name"]!.GetValue<string>();
        var time = ParseTime(attributes["time"]) ?? now;
        time = new DateTimeOffset(time.UtcTicks - (time.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
        var uniqueId = attributes["unique_id"]?.GetValue<string>();
        if (!store.EventKeys.Add(Key(profile.Id, metricName, uniqueId, time)))
        {
            return false;
        }

        store.Protect(profile);
        var value = attributes["value"] is JsonValue v && v.TryGetValue<double>(out var d) ? d : (double?)null;
        store.Events.Add(new EventRecord(
            store.Ids.NewUlid(now),
            profile.Id,
            store.MetricIdFor(metricName),
            metricName,
            attributes["properties"] is JsonObject p ? (JsonObject)p.DeepClone() : [],
            time,
            value,
            attributes["value_currency"]?.GetValue<string>(),
            uniqueId,
            attributes["backfill"]?.GetValue<bool>() ?? backfillDefault,
            source,
            now));
        if (profile.LastEventDate is null || time > profile.LastEventDate)
        {
            profile.LastEventDate = time;
        }

        return true;
    }

    public static DateTimeOffset? ParseTime(JsonNode? node) =>
        node?.GetValue<string>() is { } text
        && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            ? t.ToUniversalTime()
            : null;
}
