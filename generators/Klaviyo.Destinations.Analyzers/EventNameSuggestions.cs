using System;
using System.Collections.Generic;

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

    public static EventNameSuggestion? Suggest(string name)
    {
        if (s_exact.Contains(name)) return null;
        var lower = name.ToLowerInvariant();
        EventNameSuggestion? best = null;
        var bestDistance = int.MaxValue;
        foreach (var known in s_known)
        {
            var distance = NameDistance.Between(lower, known.Name.ToLowerInvariant());
            var close = distance == 0 || (distance <= MaximumTypoDistance && name.Length >= MinimumTypoLength);
            if (close && distance < bestDistance)
            {
                best = known;
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
