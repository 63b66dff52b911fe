using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;

namespace Klaviyo.Destinations.Analyzers;

/// <summary>An event name to suggest and how the message describes it.</summary>
internal readonly struct EventNameSuggestion
{
    public EventNameSuggestion(string name, string description)
    {
        Name = name;
        Description = description;
    }

    public string Name { get; }

    /// <summary>e.g. <c>the Segment ecommerce event 'Order Completed' (sent to Klaviyo as 'Placed Order')</c>.</summary>
    public string Description { get; }
}

/// <summary>
/// The event names Klaviyo.Destinations knows (Segment ecommerce spec names, Klaviyo's metric names, the standard
/// event names, all from <see cref="KlaviyoMappingTables"/>) and the KLV2007 notion of a name close to one of them:
/// equal ignoring case, or at most <see cref="MaximumTypoDistance"/> edits apart (ignoring case) for names of at least
/// <see cref="MinimumTypoLength"/> characters. Exact names never get a suggestion.
/// </summary>
internal static class EventNameSuggestions
{
    public const int MinimumTypoLength = 6;
    public const int MaximumTypoDistance = 2;

    private static readonly List<EventNameSuggestion> s_known = Build();
    private static readonly HashSet<string> s_exact = BuildExact();
    private static readonly string[] s_knownLower = s_known.ConvertAll(k => k.Name.ToLowerInvariant()).ToArray();

    /// <summary>Names seen in this process (an app repeats its event names; the tables never change).</summary>
    private static readonly ConcurrentDictionary<string, EventNameSuggestion?> s_seen = new(StringComparer.Ordinal);

    public static EventNameSuggestion? Suggest(string name)
    {
        if (s_exact.Contains(name)) return null;
        if (s_seen.TryGetValue(name, out var seen)) return seen;
        var result = Find(name);
        if (s_seen.Count < 10_000) s_seen.TryAdd(name, result);
        return result;
    }

    private static EventNameSuggestion? Find(string name)
    {
        var lower = name.ToLowerInvariant();
        // Only a name of equal length can be equal ignoring case, and a name more than MaximumTypoDistance characters
        // longer or shorter is more edits away than that: most known names are skipped without an edit distance.
        var typos = name.Length >= MinimumTypoLength;
        EventNameSuggestion? best = null;
        var bestDistance = int.MaxValue;
        for (var i = 0; i < s_knownLower.Length; i++)
        {
            var known = s_knownLower[i];
            var lengthDifference = Math.Abs(known.Length - lower.Length);
            if (typos ? lengthDifference > MaximumTypoDistance : lengthDifference != 0) continue;
            var distance = typos ? NameDistance.Between(lower, known) : string.Equals(lower, known, StringComparison.Ordinal) ? 0 : int.MaxValue;
            var close = distance == 0 || (distance <= MaximumTypoDistance && typos);
            if (close && distance < bestDistance)
            {
                best = s_known[i];
                bestDistance = distance;
            }
        }
        return best;
    }

    private static List<EventNameSuggestion> Build()
    {
        var result = new List<EventNameSuggestion>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in KlaviyoMappingTables.EcommerceEvents)
            if (seen.Add(row.SpecName))
                result.Add(new EventNameSuggestion(row.SpecName, "the Segment ecommerce event '" + row.SpecName + "' (sent to Klaviyo as '" + row.KlaviyoMetric + "')"));
        foreach (var metric in KlaviyoMappingTables.KlaviyoMetrics)
            if (seen.Add(metric)) result.Add(new EventNameSuggestion(metric, "the Klaviyo metric '" + metric + "'"));
        foreach (var standard in KlaviyoMappingTables.StandardEventNames)
            if (seen.Add(standard)) result.Add(new EventNameSuggestion(standard, "the standard event '" + standard + "'"));
        return result;
    }

    private static HashSet<string> BuildExact()
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        foreach (var known in s_known) result.Add(known.Name);
        return result;
    }
}
