using Microsoft.Extensions.Logging;

namespace Klaviyo.Destinations;

/// <summary>Log messages of the delivery safeguards (poison isolation). Ids 2101–2199.</summary>
internal static partial class IntegrityLog
{
    [LoggerMessage(2101, LogLevel.Warning, "{Batch} kept failing; bisected until one item was left: {Item} is retried alone ({Reason}), the others were sent without it")]
    public static partial void CulpritIsolated(ILogger logger, string batch, string item, string? reason);

    [LoggerMessage(2102, LogLevel.Warning, "{Batch} kept failing and both of its halves failed too (an outage, or more than one bad item): the {Count} items are retried together with backoff")]
    public static partial void IsolationInconclusive(ILogger logger, string batch, int count);

}
