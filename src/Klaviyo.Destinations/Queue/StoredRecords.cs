namespace Klaviyo.Destinations;

/// <summary>Reading stored records back, whatever is wrong with them, and the size estimate used at acceptance.</summary>
internal static class StoredRecords
{
    public static bool TryDecode(byte[] record, out QueuedItem item) => TryDecode(record, null, out item, out _);

    /// <summary>
    /// Decodes a stored record, whatever is wrong with it: a checksum that does not match, or any exception of the
    /// decoder (damaged UTF-8, lengths past the end, huge numbers) makes it a corrupt record with the reason.
    /// </summary>
    public static bool TryDecode(byte[] record, long? checksum, out QueuedItem item, out string reason)
    {
        item = null!;
        if (checksum is { } expected && RecordChecksum.Of(record) != expected)
        {
            reason = "corrupt record: its bytes changed on disk since they were written (checksum mismatch); it was not sent.";
            return false;
        }
        try
        {
            item = QueuedItemCodec.Decode(record);
            reason = "";
            return true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            reason = ex is FormatException && ex.Message.Contains("version", StringComparison.Ordinal)
                ? $"The stored record could not be read: {ex.Message}"
                : $"corrupt record: {ex.Message}";
            return false;
        }
    }

    /// <summary>An upper estimate of an item's record size, cheap enough for the caller's thread (the disk budget at acceptance).</summary>
    public static long Estimate(QueuedItem item) =>
        64 + item.Profile.Length + (item.Properties?.Length ?? 0) + 3L * (item.MessageId.Length + item.UserKey.Length + (item.UserId?.Length ?? 0)
            + (item.Metric?.Length ?? 0) + (item.UniqueId?.Length ?? 0) + (item.Currency?.Length ?? 0));
}
