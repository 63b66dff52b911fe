namespace Klaviyo.Destinations;

/// <summary>Settings of <see cref="SqliteEventQueue"/>. Only <see cref="Path"/> is required.</summary>
public sealed class SqliteEventQueueOptions
{
    /// <summary>The queue's database file (created when missing). One owner per path: a second instance or process fails to open it.</summary>
    public string Path { get; set; } = "";

    /// <summary>
    /// The disk budget: bytes of queued items (their encoded records) the queue holds at most. The file itself is a
    /// little larger (SQLite pages, the write-ahead log). Default 1 GiB.
    /// </summary>
    public long MaxBytes { get; set; } = 1L << 30;

    /// <summary>What happens when an item would exceed <see cref="MaxBytes"/>. Default <see cref="QueueOverflowMode.RefuseNew"/>.</summary>
    public QueueOverflowMode Overflow { get; set; } = QueueOverflowMode.RefuseNew;

    /// <summary>
    /// Items accepted and not yet committed at most (the in-memory hand-off between the caller and the disk). When it is
    /// full, new items are refused with a reason rather than held in memory. Default 50,000.
    /// </summary>
    public int HandOffCapacity { get; set; } = 50_000;

    /// <summary>Most items written by one transaction (group commit). Default 5,000.</summary>
    public int MaxGroupSize { get; set; } = 5_000;

    /// <summary>Committed items kept in memory ready for the sender; the rest wait on disk and are read in pages. Default 5,000.</summary>
    public int ReadAhead { get; set; } = 5_000;

    /// <summary>Dead letters kept at most; beyond that the oldest are deleted (with a warning log). Default 100,000.</summary>
    public int MaxDeadLetters { get; set; } = 100_000;

    /// <summary>
    /// Whether each group commit waits for the disk (SQLite <c>synchronous=FULL</c>): items survive a power loss, not only
    /// a process crash. Default true. False (<c>NORMAL</c>) still survives a process crash and is faster.
    /// </summary>
    public bool SyncToDisk { get; set; } = true;

    /// <summary>Checks the settings; throws <see cref="KlaviyoConfigurationException"/> with a fix.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Path))
            throw new KlaviyoConfigurationException("Klaviyo:QueuePath is empty. Set it to a file path the app can write, e.g. /var/lib/myapp/klaviyo-queue.db.");
        if (MaxBytes < 64 * 1024)
            throw new KlaviyoConfigurationException($"Klaviyo:MaxQueueBytes must be at least 65,536 bytes (it is {MaxBytes:N0}).");
        if (!Enum.IsDefined(Overflow))
            throw new KlaviyoConfigurationException($"Klaviyo:QueueOverflow '{Overflow}' is not one of RefuseNew, DropOldest.");
        if (HandOffCapacity < 1)
            throw new KlaviyoConfigurationException($"Klaviyo:QueueHandOffCapacity must be at least 1 (it is {HandOffCapacity:N0}); the default is 50,000.");
        if (ReadAhead < 2)
            throw new KlaviyoConfigurationException($"Klaviyo:QueueReadAhead must be at least 2 (it is {ReadAhead:N0}); the default is 5,000.");
        if (MaxDeadLetters < 1)
            throw new KlaviyoConfigurationException($"Klaviyo:MaxDeadLetters must be at least 1 (it is {MaxDeadLetters:N0}); the default is 100,000.");
        if (MaxGroupSize < 1)
            throw new KlaviyoConfigurationException($"The durable queue's MaxGroupSize must be at least 1 (it is {MaxGroupSize:N0}); the default is 5,000.");
    }
}
