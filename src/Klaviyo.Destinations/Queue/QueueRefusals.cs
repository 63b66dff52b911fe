namespace Klaviyo.Destinations;

/// <summary>The words of every refusal and drop the built-in queues report (one place, so they cannot drift apart).</summary>
internal static class QueueRefusals
{
    public static EnqueueResult Closed() =>
        EnqueueResult.Refused(EnqueueRefusal.Closed, "Analytics is shutting down; the item was not accepted.");

    public static EnqueueResult MemoryFull(int capacity) =>
        EnqueueResult.Refused(EnqueueRefusal.Full, $"The queue is full ({capacity} items waiting); the item was refused. Raise QueueCapacity or check why delivery is slow.");

    public static EnqueueResult HandOffFull(int capacity) =>
        EnqueueResult.Refused(EnqueueRefusal.Full, $"The durable queue's write buffer is full ({capacity:N0} items not yet on disk); the item was refused. The disk is slower than the rate of calls: raise HandOffCapacity or use a faster disk.");

    public static EnqueueResult OverBudget(long maxBytes) =>
        EnqueueResult.Refused(EnqueueRefusal.OverBudget, $"The durable queue is over its disk budget ({maxBytes:N0} bytes of undelivered items); the item was refused. Klaviyo is not accepting items as fast as they arrive: check the outcomes for the cause, or raise Klaviyo:MaxQueueBytes.");

    /// <summary>Accepted, then refused at commit: the size estimate at acceptance was short (RefuseNew).</summary>
    public static string OverBudgetAtCommit(long maxBytes) =>
        $"The durable queue is over its disk budget ({maxBytes:N0} bytes); the item was refused.";

    public static string DroppedOldest(long maxBytes) =>
        $"Dropped from the durable queue to stay within its disk budget ({maxBytes:N0} bytes, QueueOverflow = DropOldest): newer items were kept instead.";

    public static string NotWritten(string error) => $"The item could not be written to the durable queue: {error}";
}
