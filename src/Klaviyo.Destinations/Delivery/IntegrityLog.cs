using Microsoft.Extensions.Logging;

namespace Klaviyo.Destinations;

/// <summary>Log messages of the delivery safeguards (poison isolation). Ids 2101–2199.</summary>
internal static partial class IntegrityLog
{
    [LoggerMessage(2101, LogLevel.Warning, "{Batch} kept failing; bisected until one item was left: {Item} is retried alone ({Reason}), the others were sent without it")]
    public static partial void CulpritIsolated(ILogger logger, string batch, string item, string? reason);

    [LoggerMessage(2102, LogLevel.Warning, "{Batch} kept failing; {Part} of it failed, and so did both of its halves and every quarter (an outage, or bad items in every quarter): the {Count} undecided items are retried together with backoff")]
    public static partial void IsolationInconclusive(ILogger logger, string batch, string part, int count);

    [LoggerMessage(2103, LogLevel.Warning, "{Batch} kept failing; bisecting it left {Parts} failing parts, more than the {Max} narrowed down at once (many bad items): the {Count} undecided items are retried together with backoff")]
    public static partial void TooManyCulprits(ILogger logger, string batch, int parts, int max, int count);
}
