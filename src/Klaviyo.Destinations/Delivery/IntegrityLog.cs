using Microsoft.Extensions.Logging;

namespace Klaviyo.Destinations;

/// <summary>Log messages of the delivery safeguards (poison isolation). Ids 2101–2199.</summary>
internal static partial class IntegrityLog
{
    [LoggerMessage(2101, LogLevel.Warning, "{Batch} kept failing; bisected until one item was left: {Item} is retried without the items that were accepted ({Reason})")]
    public static partial void CulpritIsolated(ILogger logger, string batch, string item, string? reason);

    [LoggerMessage(2102, LogLevel.Warning, "{Batch} kept failing and every probe of its halves and quarters failed too (an outage): the {Count} items are retried together with backoff")]
    public static partial void IsolationInconclusive(ILogger logger, string batch, int count);

}
