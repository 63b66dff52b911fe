namespace Klaviyo.Destinations.Cli.Input;

/// <summary>One line of input: its number, and either the message it holds or why it was refused (or, when <see cref="Skipped"/>, left out on purpose).</summary>
internal sealed record SegmentLine(long Number, AnalyticsMessage? Message, string? Error)
{
    /// <summary>Left out on purpose (an mParticle environment not forwarded): reported as a warning, not a rejection.</summary>
    public bool Skipped { get; init; }
}
