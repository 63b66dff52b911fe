namespace Klaviyo.Destinations;

/// <summary>
/// Whether a record read back from a queue file can be trusted: its checksum (when it has one) matches and
/// <see cref="QueuedItemCodec"/> reads it, whatever is wrong with it otherwise (damaged UTF-8, lengths past the end,
/// huge numbers). Used by <see cref="QueueSalvage"/>; the wording matches what the running queue writes on its dead
/// letters ("corrupt record: …").
/// </summary>
internal static class StoredRecord
{
    public const string ChecksumMismatch = "corrupt record: its bytes changed on disk since they were written (checksum mismatch); it was not sent.";

    public static bool TryDecode(byte[] record, long? checksum, out QueuedItem item, out string reason)
    {
        item = null!;
        if (checksum is { } expected && RecordChecksum.Of(record) != expected)
        {
            reason = ChecksumMismatch;
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
            reason = $"corrupt record: {ex.Message}";
            return false;
        }
    }
}
