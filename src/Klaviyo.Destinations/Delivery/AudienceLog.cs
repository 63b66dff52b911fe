using Microsoft.Extensions.Logging;

namespace Klaviyo.Destinations;

/// <summary>Source-generated log messages of list, consent and deletion delivery. None of them carries the API key.</summary>
internal static partial class AudienceLog
{
    [LoggerMessage(201, LogLevel.Warning, "Unsubscribing {Count} profiles with list {ListId} although they are not in it: Klaviyo unsubscribes them from the channel globally (UnsubscribeOutsideList = UnsubscribeGlobally)")]
    public static partial void GlobalUnsubscribe(ILogger logger, int count, string listId);

    [LoggerMessage(202, LogLevel.Debug, "Klaviyo profile ids: {Cached} from the cache, {Looked} looked up, {Created} created for {Batch}")]
    public static partial void Resolved(ILogger logger, int cached, int looked, int created, string batch);
}
