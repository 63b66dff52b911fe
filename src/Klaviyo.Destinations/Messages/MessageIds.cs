using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Klaviyo.Destinations;

/// <summary>
/// Generates message ids without a random-number syscall per call: a random 64-bit prefix drawn once per process and
/// a 64-bit counter, formatted as a UUID. Ids are unique within the process and, with overwhelming probability,
/// across processes; they become the events' <c>unique_id</c> when the caller gives none.
/// </summary>
internal static class MessageIds
{
    private static readonly ulong s_prefix = BinaryPrimitives.ReadUInt64LittleEndian(RandomNumberGenerator.GetBytes(8));
    private static long s_counter;

    public static string Next()
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, s_prefix);
        BinaryPrimitives.WriteInt64LittleEndian(bytes[8..], Interlocked.Increment(ref s_counter));
        return new Guid(bytes).ToString();
    }
}
