using System.Buffers.Binary;
using System.Numerics;

namespace Klaviyo.Destinations;

/// <summary>
/// The checksum stored beside each queue record (CRC-32C, hardware-accelerated where the CPU has it). A record whose
/// bytes changed on disk (a flipped bit that still decodes) no longer matches it and is dead-lettered as a corrupt
/// record instead of being sent as it is. Rows written before checksums existed have none and are trusted.
/// </summary>
internal static class RecordChecksum
{
    public static long Of(ReadOnlySpan<byte> record)
    {
        var crc = 0xFFFFFFFFu;
        while (record.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(record));
            record = record[8..];
        }
        foreach (var b in record) crc = BitOperations.Crc32C(crc, b);
        return ~crc;
    }
}
