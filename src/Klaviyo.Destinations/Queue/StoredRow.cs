namespace Klaviyo.Destinations;

/// <summary>An item row read back from disk.</summary>
internal sealed record StoredRow(long Seq, int Attempts, DateTimeOffset? NotBefore, DateTimeOffset? FirstTaken, byte[] Record, long? Checksum = null);
