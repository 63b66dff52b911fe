using Microsoft.Extensions.Logging;

namespace Klaviyo.Destinations;

/// <summary>Source-generated log messages. None of them carries the API key.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Debug, "Delivered {Kind} {UniqueId} of message {MessageId}")]
    public static partial void Delivered(ILogger logger, ItemKind kind, string? uniqueId, string messageId);

    [LoggerMessage(2, LogLevel.Warning, "Rejected {Kind} of message {MessageId} (field {Field}): {Reason}")]
    public static partial void Rejected(ILogger logger, ItemKind kind, string messageId, string? field, string? reason);

    [LoggerMessage(3, LogLevel.Error, "Gave up on {Kind} of message {MessageId}: {Reason}")]
    public static partial void Expired(ILogger logger, ItemKind kind, string messageId, string? reason);

    [LoggerMessage(4, LogLevel.Information, "Skipped message {MessageId}: {Reason}")]
    public static partial void Skipped(ILogger logger, string messageId, string? reason);

    [LoggerMessage(5, LogLevel.Information, "Retrying {Batch} in {Delay} (attempt {Attempt}): {Reason}")]
    public static partial void Retrying(ILogger logger, string batch, TimeSpan delay, int attempt, string? reason);

    [LoggerMessage(6, LogLevel.Warning, "Delivered {Kind} of message {MessageId} without some fields: {Warnings}")]
    public static partial void DeliveredWithWarnings(ILogger logger, ItemKind kind, string messageId, string warnings);

    [LoggerMessage(7, LogLevel.Error, "The OnOutcome callback threw; the outcome of message {MessageId} was still recorded")]
    public static partial void CallbackFailed(ILogger logger, Exception exception, string messageId);

    [LoggerMessage(8, LogLevel.Error, "A plugin threw while processing {Message}; the message was dropped")]
    public static partial void PluginFailed(ILogger logger, Exception exception, AnalyticsMessage message);

    [LoggerMessage(9, LogLevel.Warning, "Shutdown: {Count} items were not delivered within the shutdown timeout {Timeout}")]
    public static partial void ShutdownIncomplete(ILogger logger, int count, TimeSpan timeout);

    [LoggerMessage(10, LogLevel.Information, "Klaviyo destination started: {Options}")]
    public static partial void Started(ILogger logger, KlaviyoDestinationOptions options);

    [LoggerMessage(11, LogLevel.Warning, "Klaviyo API revision {Revision} is more than a year old ({Age} days): it has left Klaviyo's stable window and will be deprecated and then retired. Update Klaviyo:Revision (this version of the library pins {Pinned}) or upgrade the package.")]
    public static partial void RevisionStale(ILogger logger, string revision, int age, string pinned);

    [LoggerMessage(12, LogLevel.Warning, "Stopped following Klaviyo profile import job {JobId} ({State}) after {Timeout}; its rows are reported as delivered (accepted), per-row errors unknown")]
    public static partial void JobNotFollowed(ILogger logger, string jobId, string state, TimeSpan timeout);

    [LoggerMessage(13, LogLevel.Error, "Delivery of {Batch} failed unexpectedly; its items are reported as expired")]
    public static partial void BatchFailed(ILogger logger, Exception exception, string batch);

    [LoggerMessage(14, LogLevel.Warning, "Rejected {Kind} of message {MessageId}: {Reason}")]
    public static partial void RejectedWithoutField(ILogger logger, ItemKind kind, string messageId, string? reason);
}
