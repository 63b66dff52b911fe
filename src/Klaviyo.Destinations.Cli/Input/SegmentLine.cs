namespace Klaviyo.Destinations.Cli.Input;

/// <summary>One line of input: its number, and either the message it holds or why it was refused.</summary>
internal sealed record SegmentLine(long Number, AnalyticsMessage? Message, string? Error);
