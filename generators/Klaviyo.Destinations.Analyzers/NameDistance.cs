using System;

namespace Klaviyo.Destinations.Analyzers;

/// <summary>Edit distance for "did you mean" suggestions (KLV2006, KLV2007).</summary>
internal static class NameDistance
{
    /// <summary>
    /// Damerau-Levenshtein distance in its optimal-string-alignment form: insertions, deletions, substitutions and
    /// transpositions of two adjacent characters each cost 1 (<c>Viewd</c>→<c>Viewed</c> is 1, <c>frist</c>→<c>first</c> is 1).
    /// Ordinal comparison; callers lower-case or normalise first when case must not count.
    /// </summary>
    public static int Between(string a, string b)
    {
        if (a.Length == 0) return b.Length;
        if (b.Length == 0) return a.Length;
        // Three rows are enough: the transposition looks two rows back.
        var previous2 = new int[b.Length + 1];
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                var best = Math.Min(Math.Min(previous[j] + 1, current[j - 1] + 1), previous[j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    best = Math.Min(best, previous2[j - 2] + 1);
                current[j] = best;
            }
            var recycled = previous2;
            previous2 = previous;
            previous = current;
            current = recycled;
        }
        return previous[b.Length];
    }
}
