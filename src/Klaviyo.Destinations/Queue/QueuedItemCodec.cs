using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Text.Unicode;
using Klaviyo.Destinations.Mapping;

namespace Klaviyo.Destinations;

/// <summary>
/// The one place a <see cref="QueuedItem"/> becomes bytes on disk and back. A record is a version byte followed by
/// tagged fields: <c>tag (1 byte) · length (varint) · value</c>, ending with tag 0. A reader skips a tag it does not
/// know below <see cref="MustUnderstand"/>; a tag at or above it makes the record undecodable (it goes to the dead
/// letters with the reason instead of being sent half-understood).
/// <para>
/// To add a property: give it a new tag (never reuse one), write it in <see cref="Encode"/> and read it in
/// <see cref="Decode"/>. A test sets every public settable property and fails when one does not round-trip.
/// </para>
/// Not stored here: <see cref="QueuedItem.Sequence"/> and the retry state (<see cref="QueuedItem.Attempts"/>, next
/// attempt, first attempt) are columns of the queue table, updated without rewriting the record; the flush ticket is
/// process-local.
/// </summary>
internal static class QueuedItemCodec
{
    public const byte Version = 1;

    /// <summary>Tags from here on change the meaning of the item: a reader that does not know one refuses the record.</summary>
    public const byte MustUnderstand = 128;

    private const byte End = 0;
    private const byte KindTag = 1;
    private const byte MessageIdTag = 2;
    private const byte UserIdTag = 3;
    private const byte UserKeyTag = 4;
    private const byte ProfileTag = 5;
    private const byte PropertiesTag = 6;
    private const byte MetricTag = 7;
    private const byte UniqueIdTag = 8;
    private const byte TimeTag = 9;
    private const byte ValueTag = 10;
    private const byte CurrencyTag = 11;
    private const byte BackfillTag = 12;
    private const byte WarningsTag = 13;
    private const byte AcceptedAtTag = 14;

    // List, consent and deletion items. Optional tags: they only occur on item kinds an older reader refuses anyway.
    private const byte ListIdTag = 15;
    private const byte AudienceTag = 16;
    private const byte HistoricalImportTag = 17;

    // The producing call's trace context as a W3C traceparent. Optional: an older reader skips it; a record without it
    // (written before it existed) decodes with no context.
    private const byte TraceParentTag = 18;

    // Must-understand tags: an older reader refuses the record rather than send it without them.
    private const byte ProfileMetaTag = MustUnderstand;

    private static readonly UTF8Encoding s_strictUtf8 = new(false, true);

    public static byte[] Encode(QueuedItem item)
    {
        var buffer = new ArrayBufferWriter<byte>(item.Profile.Length + (item.Properties?.Length ?? 0) + 256);
        WriteByte(buffer, Version);
        WriteInt(buffer, KindTag, (int)item.Kind);
        WriteString(buffer, MessageIdTag, item.MessageId);
        WriteString(buffer, UserIdTag, item.UserId);
        WriteString(buffer, UserKeyTag, item.UserKey);
        WriteBytes(buffer, ProfileTag, item.Profile);
        WriteBytes(buffer, PropertiesTag, item.Properties);
        WriteString(buffer, MetricTag, item.Metric);
        WriteString(buffer, UniqueIdTag, item.UniqueId);
        WriteTime(buffer, TimeTag, item.Time);
        if (item.Value is { } value)
        {
            Span<byte> eight = stackalloc byte[8];
            BinaryPrimitives.WriteDoubleLittleEndian(eight, value);
            WriteField(buffer, ValueTag, eight);
        }
        WriteString(buffer, CurrencyTag, item.Currency);
        if (item.Backfill) WriteField(buffer, BackfillTag, [1]);
        if (item.Warnings.Count > 0)
        {
            var list = new ArrayBufferWriter<byte>();
            WriteVarint(list, (ulong)item.Warnings.Count);
            foreach (var warning in item.Warnings)
            {
                WriteText(list, warning.Field);
                WriteText(list, warning.Reason);
            }
            WriteField(buffer, WarningsTag, list.WrittenSpan);
        }
        WriteTime(buffer, AcceptedAtTag, item.AcceptedAt);
        WriteString(buffer, ListIdTag, item.ListId);
        WriteString(buffer, AudienceTag, item.Audience);
        if (item.HistoricalImport) WriteField(buffer, HistoricalImportTag, [1]);
        if (item.TraceContext != default) WriteString(buffer, TraceParentTag, TraceParent(item.TraceContext));
        WriteBytes(buffer, ProfileMetaTag, item.ProfileMeta);
        WriteByte(buffer, End);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads a record; throws <see cref="FormatException"/> with the reason when it cannot be trusted.</summary>
    public static QueuedItem Decode(ReadOnlySpan<byte> record)
    {
        if (record.Length < 2) throw new FormatException("The queue record is empty.");
        if (record[0] != Version) throw new FormatException($"The queue record has version {record[0]}; this library reads version {Version}. It was written by another version of Klaviyo.Destinations.");
        var position = 1;
        ItemKind? kind = null;
        string? messageId = null, userId = null, userKey = null, metric = null, uniqueId = null, currency = null, listId = null, audience = null;
        var historicalImport = false;
        byte[]? profile = null, properties = null, profileMeta = null;
        DateTimeOffset? time = null;
        DateTimeOffset acceptedAt = default;
        double? value = null;
        var backfill = false;
        IReadOnlyList<MappingIssue> warnings = [];
        System.Diagnostics.ActivityContext traceContext = default;
        while (true)
        {
            if (position >= record.Length) throw new FormatException("The queue record is truncated.");
            var tag = record[position++];
            if (tag == End) break;
            var length = checked((int)ReadVarint(record, ref position));
            if (length < 0 || position + length > record.Length) throw new FormatException($"The queue record's field {tag} runs past its end.");
            var field = record.Slice(position, length);
            position += length;
            switch (tag)
            {
                case KindTag:
                    var raw = (int)ReadVarintAll(field);
                    if (!Enum.IsDefined((ItemKind)raw)) throw new FormatException($"The queue record holds item kind {raw}, which this version does not know.");
                    kind = (ItemKind)raw;
                    break;
                case MessageIdTag: messageId = ReadString(field); break;
                case UserIdTag: userId = ReadString(field); break;
                case UserKeyTag: userKey = ReadString(field); break;
                case ProfileTag: profile = field.ToArray(); break;
                case PropertiesTag: properties = field.ToArray(); break;
                case MetricTag: metric = ReadString(field); break;
                case UniqueIdTag: uniqueId = ReadString(field); break;
                case TimeTag: time = ReadTime(field); break;
                case ValueTag: value = BinaryPrimitives.ReadDoubleLittleEndian(field); break;
                case CurrencyTag: currency = ReadString(field); break;
                case BackfillTag: backfill = field.Length > 0 && field[0] != 0; break;
                case WarningsTag: warnings = ReadWarnings(field); break;
                case AcceptedAtTag: acceptedAt = ReadTime(field); break;
                case ListIdTag: listId = ReadString(field); break;
                case AudienceTag: audience = ReadString(field); break;
                case HistoricalImportTag: historicalImport = field.Length > 0 && field[0] != 0; break;
                case ProfileMetaTag: profileMeta = field.ToArray(); break;
                case TraceParentTag:
                    // A damaged trace context is not worth an item: it is dropped, the item kept.
                    if (!System.Diagnostics.ActivityContext.TryParse(ReadString(field), null, out traceContext)) traceContext = default;
                    break;
                default:
                    if (tag >= MustUnderstand) throw new FormatException($"The queue record has field {tag}, which this version of Klaviyo.Destinations does not understand.");
                    break;
            }
        }
        if (kind is null || messageId is null || userKey is null || profile is null)
            throw new FormatException("The queue record lacks its kind, message id, user key or profile.");
        return new QueuedItem
        {
            Kind = kind.Value,
            MessageId = messageId,
            UserId = userId,
            UserKey = userKey,
            Profile = profile,
            ProfileMeta = profileMeta,
            Properties = properties,
            Metric = metric,
            UniqueId = uniqueId,
            Time = time,
            Value = value,
            Currency = currency,
            Backfill = backfill,
            Warnings = warnings,
            AcceptedAt = acceptedAt,
            ListId = listId,
            Audience = audience,
            HistoricalImport = historicalImport,
            TraceContext = traceContext,
        };
    }

    /// <summary><c>00-&lt;trace id&gt;-&lt;span id&gt;-&lt;flags&gt;</c> (trace state is not kept).</summary>
    private static string TraceParent(System.Diagnostics.ActivityContext context) =>
        $"00-{context.TraceId.ToHexString()}-{context.SpanId.ToHexString()}-{(context.TraceFlags.HasFlag(System.Diagnostics.ActivityTraceFlags.Recorded) ? "01" : "00")}";

    private static void WriteField(IBufferWriter<byte> buffer, byte tag, ReadOnlySpan<byte> value)
    {
        WriteByte(buffer, tag);
        WriteVarint(buffer, (ulong)value.Length);
        buffer.Write(value);
    }

    private static void WriteBytes(IBufferWriter<byte> buffer, byte tag, byte[]? value)
    {
        if (value is not null) WriteField(buffer, tag, value);
    }

    private static void WriteInt(IBufferWriter<byte> buffer, byte tag, int value)
    {
        var scratch = new ArrayBufferWriter<byte>(10);
        WriteVarint(scratch, (ulong)(uint)value);
        WriteField(buffer, tag, scratch.WrittenSpan);
    }

    private static void WriteString(IBufferWriter<byte> buffer, byte tag, string? value)
    {
        if (value is null) return;
        var scratch = new ArrayBufferWriter<byte>(value.Length + 8);
        WriteText(scratch, value);
        // WriteText prefixes its own length; the field holds exactly that text.
        WriteField(buffer, tag, scratch.WrittenSpan);
    }

    /// <summary>
    /// A string as <c>encoding (0 = UTF-8, 1 = UTF-16LE) · length · bytes</c>. Strings that are not valid UTF-16 (a lone
    /// surrogate) keep their exact code units in UTF-16, so nothing changes across a restart.
    /// </summary>
    private static void WriteText(IBufferWriter<byte> buffer, string value)
    {
        var utf8 = new byte[Encoding.UTF8.GetMaxByteCount(value.Length)];
        if (Utf8.FromUtf16(value, utf8, out _, out var written, replaceInvalidSequences: false) == System.Buffers.OperationStatus.Done)
        {
            WriteByte(buffer, 0);
            WriteVarint(buffer, (ulong)written);
            buffer.Write(utf8.AsSpan(0, written));
            return;
        }
        WriteByte(buffer, 1);
        WriteVarint(buffer, (ulong)value.Length * 2);
        var utf16 = buffer.GetSpan(value.Length * 2);
        for (var i = 0; i < value.Length; i++) BinaryPrimitives.WriteUInt16LittleEndian(utf16[(i * 2)..], value[i]);
        buffer.Advance(value.Length * 2);
    }

    private static string ReadString(ReadOnlySpan<byte> field)
    {
        var position = 0;
        return ReadText(field, ref position);
    }

    private static string ReadText(ReadOnlySpan<byte> data, ref int position)
    {
        if (position >= data.Length) throw new FormatException("A text field of the queue record is truncated.");
        var encoding = data[position++];
        var length = checked((int)ReadVarint(data, ref position));
        if (length < 0 || position + length > data.Length) throw new FormatException("A text field of the queue record runs past its end.");
        var bytes = data.Slice(position, length);
        position += length;
        if (encoding == 0) return s_strictUtf8.GetString(bytes);
        if (encoding != 1 || length % 2 != 0) throw new FormatException("A text field of the queue record has an unknown encoding.");
        var chars = new char[length / 2];
        for (var i = 0; i < chars.Length; i++) chars[i] = (char)BinaryPrimitives.ReadUInt16LittleEndian(bytes.Slice(i * 2, 2));
        return new string(chars);
    }

    private static IReadOnlyList<MappingIssue> ReadWarnings(ReadOnlySpan<byte> field)
    {
        var position = 0;
        var count = checked((int)ReadVarint(field, ref position));
        if (count < 0 || count > field.Length) throw new FormatException("The queue record's warning list is damaged.");
        var warnings = new MappingIssue[count];
        for (var i = 0; i < count; i++)
        {
            var name = ReadText(field, ref position);
            warnings[i] = new MappingIssue(name, ReadText(field, ref position));
        }
        return warnings;
    }

    private static void WriteTime(IBufferWriter<byte> buffer, byte tag, DateTimeOffset? value)
    {
        if (value is not { } time) return;
        Span<byte> ten = stackalloc byte[10];
        BinaryPrimitives.WriteInt64LittleEndian(ten, time.UtcTicks);
        BinaryPrimitives.WriteInt16LittleEndian(ten[8..], (short)time.Offset.TotalMinutes);
        WriteField(buffer, tag, ten);
    }

    private static DateTimeOffset ReadTime(ReadOnlySpan<byte> field)
    {
        if (field.Length != 10) throw new FormatException("A time field of the queue record is damaged.");
        var ticks = BinaryPrimitives.ReadInt64LittleEndian(field);
        var offset = TimeSpan.FromMinutes(BinaryPrimitives.ReadInt16LittleEndian(field[8..]));
        if (ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks) throw new FormatException("A time field of the queue record is out of range.");
        return new DateTimeOffset(ticks, TimeSpan.Zero).ToOffset(offset);
    }

    private static void WriteByte(IBufferWriter<byte> buffer, byte value)
    {
        buffer.GetSpan(1)[0] = value;
        buffer.Advance(1);
    }

    private static void WriteVarint(IBufferWriter<byte> buffer, ulong value)
    {
        Span<byte> bytes = stackalloc byte[10];
        var n = 0;
        while (value >= 0x80)
        {
            bytes[n++] = (byte)(value | 0x80);
            value >>= 7;
        }
        bytes[n++] = (byte)value;
        buffer.Write(bytes[..n]);
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> data, ref int position)
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (position >= data.Length) throw new FormatException("A length in the queue record is truncated.");
            var b = data[position++];
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return result;
        }
        throw new FormatException("A length in the queue record is too long.");
    }

    private static ulong ReadVarintAll(ReadOnlySpan<byte> field)
    {
        var position = 0;
        return ReadVarint(field, ref position);
    }
}
