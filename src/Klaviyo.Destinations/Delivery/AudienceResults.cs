using System.Globalization;

namespace Klaviyo.Destinations;

/// <summary>The results audience requests share: the outcome of items settled along the way, whole-batch failures, error pointers.</summary>
internal static class AudienceResults
{
    /// <summary>
    /// A failed request about the whole batch (a look-up, a membership check, a deletion job), classified by
    /// <see cref="BatchResult.From(ApiAnswer)"/>; never split: the failure is not about one item of the batch.
    /// </summary>
    public static BatchResult Whole(ApiAnswer answer) => BatchResult.From(answer) with { Splittable = false };

    /// <summary>The whole batch rejected with <paramref name="reason"/>.</summary>
    public static BatchResult RejectAll(ApiAnswer answer, string reason, string? field) =>
        new(BatchVerdict.Rejected, answer.Status, reason, field);

    /// <summary>Delivered, with the items settled before sending reported as rejected or skipped.</summary>
    public static BatchResult Finished(Dictionary<int, ItemRejection> settled, HashSet<int> rejected) =>
        BatchResult.Delivered(204) with
        {
            Rejections = settled.Where(p => rejected.Contains(p.Key)).Select(p => p.Value).ToList(),
            Skips = settled.Where(p => !rejected.Contains(p.Key)).Select(p => p.Value).ToList(),
        };

    /// <summary>The index after <paramref name="prefix"/> in a JSON pointer such as <c>/data/3/id</c>.</summary>
    public static bool TryIndex(string? pointer, string prefix, out int index)
    {
        index = -1;
        if (pointer is null || !pointer.StartsWith(prefix, StringComparison.Ordinal)) return false;
        var end = pointer.IndexOf('/', prefix.Length);
        var digits = end < 0 ? pointer.AsSpan(prefix.Length) : pointer.AsSpan(prefix.Length, end - prefix.Length);
        return int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out index);
    }
}
