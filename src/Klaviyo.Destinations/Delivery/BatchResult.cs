namespace Klaviyo.Destinations;

/// <summary>How Klaviyo answered a batch.</summary>
internal enum BatchVerdict
{
    /// <summary>Accepted; items listed in <see cref="BatchResult.Rejections"/> (import errors) failed, the others are delivered.</summary>
    Delivered,
    /// <summary>Transient failure (no answer, 408, 429, 5xx): send the batch again later.</summary>
    Retry,
    /// <summary>Permanent failure: the listed items are rejected and the rest is re-sent; with no list, the whole batch failed.</summary>
    Rejected,
}

/// <summary>One item Klaviyo refused, by index in the batch, with the reason and the field (pointer as for the single item).</summary>
internal readonly record struct ItemRejection(int Index, string Reason, string? Field);

/// <summary>The classified answer to a batch.</summary>
internal sealed record BatchResult(BatchVerdict Verdict, int StatusCode, string? Reason = null, string? Field = null, TimeSpan? RetryAfter = null)
{
    /// <summary>Items Klaviyo named as bad.</summary>
    public IReadOnlyList<ItemRejection> Rejections { get; init; } = [];

    /// <summary>Items that needed no request (e.g. removing a person Klaviyo does not know from a list), with the reason; reported as skipped.</summary>
    public IReadOnlyList<ItemRejection> Skips { get; init; } = [];

    /// <summary>A permanent failure no pointer attributes to an item, which splitting the batch can narrow down (400, 409, 413, 422).</summary>
    public bool Splittable { get; init; }

    public static BatchResult Delivered(int status) => new(BatchVerdict.Delivered, status);
}
