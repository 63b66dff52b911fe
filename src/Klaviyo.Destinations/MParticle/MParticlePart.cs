namespace Klaviyo.Destinations.MParticle;

/// <summary>
/// One part of an mParticle batch as <see cref="MParticleBatchReader"/> read it: a message for <see cref="Analytics"/>
/// (the Identify of the user attributes, a consent, one per event or per product), or why a part was refused or skipped.
/// </summary>
public sealed record MParticlePart
{
    /// <summary>The 1-based line the batch starts on when read from a stream or file; 0 when read from one text.</summary>
    public long Line { get; init; }

    /// <summary>The message to send; null when the part was refused or skipped (<see cref="Error"/> says why).</summary>
    public AnalyticsMessage? Message { get; init; }

    /// <summary>Why the part was refused (or skipped), led by its place in the batch, e.g. <c>batch[1].events[3]: …</c>.</summary>
    public string? Error { get; init; }

    /// <summary>True when the part was left out on purpose (an environment not forwarded), not refused as bad input.</summary>
    public bool Skipped { get; init; }

    /// <summary>True when the JSON itself could not be read (not JSON, too long, a document that breaks off): nothing of it was read.</summary>
    public bool Unreadable { get; init; }
}
