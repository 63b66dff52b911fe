using Microsoft.Extensions.Logging;

namespace Klaviyo.Destinations;

/// <summary>Log messages of the durable queue. None of them carries the API key or item contents.</summary>
internal static partial class QueueLog
{
    [LoggerMessage(101, LogLevel.Information, "Durable queue {Path} opened: {Count} items ({Bytes} bytes) from earlier runs will be delivered; {DeadLetters} dead letters")]
    public static partial void Opened(ILogger logger, string path, long count, long bytes, long deadLetters);

    [LoggerMessage(102, LogLevel.Error, "Durable queue {Path}: a group commit of {Count} items failed; they are reported as rejected")]
    public static partial void CommitFailed(ILogger logger, Exception exception, string path, int count);

    [LoggerMessage(103, LogLevel.Warning, "Durable queue {Path}: item {Seq} could not be read and was moved to the dead letters: {Reason}")]
    public static partial void Undecodable(ILogger logger, string path, long seq, string reason);

    [LoggerMessage(104, LogLevel.Warning, "Durable queue {Path}: {Count} oldest dead letters deleted (MaxDeadLetters {Max})")]
    public static partial void DeadLettersTrimmed(ILogger logger, string path, int count, int max);

    [LoggerMessage(105, LogLevel.Information, "Durable queue {Path} closed: {Count} undelivered items stay on disk and are delivered by the next run (or 'klaviyo-dest drain')")]
    public static partial void ClosedWithItems(ILogger logger, string path, long count);

    [LoggerMessage(106, LogLevel.Warning, "Durable queue {Path}: over its disk budget ({MaxBytes} bytes); dropped {Count} oldest waiting items")]
    public static partial void DroppedOldest(ILogger logger, string path, long maxBytes, int count);

    [LoggerMessage(107, LogLevel.Debug, "Durable queue {Path}: committed {Count} items and {Ops} changes in {Elapsed} ms")]
    public static partial void Committed(ILogger logger, string path, int count, int ops, double elapsed);

    [LoggerMessage(108, LogLevel.Information, "Durable queue {Path}: {Count} dead letters replayed")]
    public static partial void Replayed(ILogger logger, string path, int count);

    [LoggerMessage(109, LogLevel.Error, "Durable queue {Path}: {Count} changes (delivered, retried or dead-lettered items) could not be written; they are kept and written again")]
    public static partial void ChangesFailed(ILogger logger, Exception exception, string path, int count);

    [LoggerMessage(110, LogLevel.Warning, "Durable queue {Path}: the database refuses writes; trying again in {Pause} ms")]
    public static partial void ChangesRetrying(ILogger logger, string path, double pause);

    [LoggerMessage(111, LogLevel.Warning, "Durable queue {Path} closed while the database refused writes: {Count} changes were not written, so those items will be sent again by the next run (their unique ids keep Klaviyo from counting them twice)")]
    public static partial void ChangesLostAtShutdown(ILogger logger, string path, int count);

    [LoggerMessage(112, LogLevel.Information, "Durable queue at its default location {Path} (set Klaviyo:QueuePath to choose the file, or Klaviyo:QueueStorage = Memory for an ephemeral host)")]
    public static partial void DefaultQueue(ILogger logger, string path);

    [LoggerMessage(113, LogLevel.Warning, "Durable queue {From} (the default location of an earlier version, keyed by the API key) was adopted: moved to {To}; its items are sent from there")]
    public static partial void LegacyQueueAdopted(ILogger logger, string from, string to);

    [LoggerMessage(114, LogLevel.Warning, "Durable queue {Path} was left at an earlier version's default location for another API key or base URL; its items are not sent. Deliver them with 'klaviyo-dest drain --queue-path {Path} --api-key <that key>', then delete the folder")]
    public static partial void LegacyQueueLeft(ILogger logger, string path);

    [LoggerMessage(115, LogLevel.Warning, "Could not look at the earlier default queue location {Path}: {Error}")]
    public static partial void LegacyQueueUnreadable(ILogger logger, string path, string error);

    [LoggerMessage(2150, LogLevel.Critical, "Durable queue {Path} is damaged: {Report}")]
    public static partial void Damaged(ILogger logger, Exception exception, string path, string report);

    [LoggerMessage(2151, LogLevel.Warning, "Durable queue {Path}: the disk is full; released the {Bytes}-byte reserve so that delivered items can still be deleted (it is written back once the disk has room)")]
    public static partial void ReserveReleased(ILogger logger, string path, int bytes);

    [LoggerMessage(2152, LogLevel.Information, "Durable queue {Path} is empty: gave {Bytes} free bytes back to the file system")]
    public static partial void Shrunk(ILogger logger, string path, long bytes);
}
