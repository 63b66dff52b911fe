using System.Buffers;
using System.Text.Json;

namespace Klaviyo.Destinations;

/// <summary>A queued item inside the sender, with what batching needs to know measured once on its encoded bytes.</summary>
internal sealed class PendingItem
{
    private PendingItem(QueuedItem item, byte[]? eventResource, int size, bool singleOnly, DateTimeOffset firstSeen)
    {
        Item = item;
        EventResource = eventResource;
        Size = size;
        SingleOnly = singleOnly;
        FirstSeen = firstSeen;
    }

    public QueuedItem Item { get; }

    public ItemKind Kind => Item.Kind;

    /// <summary>The event resource without its profile (events only), as it goes into a bulk entry.</summary>
    public byte[]? EventResource { get; }

    /// <summary>Bytes of this item's own part of a bulk body: the profile row, or the event resource.</summary>
    public int Size { get; }

    /// <summary>
    /// Must go to the single-item endpoint: a profile that clears a field with an explicit <c>null</c> (bulk import
    /// ignores nulls) or carries patch operations, or an item too large to be a bulk row.
    /// </summary>
    public bool SingleOnly { get; }

    /// <summary>Order of arrival in the batcher (set by the batcher; orders a person's audience lane after their main lane).</summary>
    public long Arrival { get; set; }

    /// <summary>When the sender took the item from the queue.</summary>
    public DateTimeOffset FirstSeen { get; }

    private string? _dedupeKey;

    /// <summary>Metric and unique_id: two events of one profile with the same key cannot share a bulk request (built once, when asked).</summary>
    public string? DedupeKey => _dedupeKey ??= Item.Kind == ItemKind.Event && Item.UniqueId is { } id ? Item.Metric + "\n" + id : null;

    /// <summary>Reused per thread: each event resource is written here, then copied once into an array of its exact size.</summary>
    [ThreadStatic] private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic] private static Utf8JsonWriter? t_writer;

    public static PendingItem Create(QueuedItem item, DateTimeOffset now)
    {
        if (item.Kind == ItemKind.Event)
        {
            var buffer = t_buffer ??= new ArrayBufferWriter<byte>(4096);
            buffer.ResetWrittenCount();
            var json = t_writer ??= new Utf8JsonWriter(buffer, Mapping.KlaviyoJson.WriterOptions);
            json.Reset(buffer);
            try
            {
                RequestComposer.WriteEventResource(json, item, includeProfile: false);
                json.Flush();
            }
            catch
            {
                // A writer left mid-object must not serve the next item.
                t_writer = null;
                throw;
            }
            var resource = buffer.WrittenSpan.ToArray();
            // Do not keep an unusually large buffer alive on the thread.
            if (buffer.Capacity > 256 * 1024) t_buffer = null;
            var tooLarge = BatchComposer.EventEntryOverhead + item.Profile.Length + resource.Length + BatchComposer.EventEnvelope.Length > BatchComposer.MaxBodyBytes;
            return new PendingItem(item, resource, resource.Length, tooLarge, now);
        }
        if (item.Kind != ItemKind.Profile)
        {
            // List changes, subscriptions, deletions: a small row each; a deletion always goes alone.
            var rowSize = BatchComposer.ProfileRowSize(item.Profile);
            return new PendingItem(item, null, rowSize, item.Kind == ItemKind.DeleteProfile, now);
        }
        var row = BatchComposer.ProfileRowSize(item.Profile);
        // A profile with patch operations (meta) goes alone to profile-import, like one that clears a field.
        return new PendingItem(item, null, row, row > BatchComposer.MaxProfileRowBytes || HasNull(item.Profile) || item.ProfileMeta is not null, now);
    }

    /// <summary>Whether the JSON holds an explicit <c>null</c> anywhere (a field to clear).</summary>
    internal static bool HasNull(ReadOnlySpan<byte> json)
    {
        if (json.IndexOf("null"u8) < 0) return false;
        var reader = new Utf8JsonReader(json);
        try
        {
            while (reader.Read())
                if (reader.TokenType == JsonTokenType.Null) return true;
        }
        catch (JsonException)
        {
            return true;
        }
        return false;
    }

    private int _finished;

    /// <summary>Marks the item finished; false when it already had its outcome.</summary>
    public bool TryFinish() => Interlocked.Exchange(ref _finished, 1) == 0;

    /// <summary>Whether the item has its outcome.</summary>
    public bool IsFinished => Volatile.Read(ref _finished) != 0;

    public override string ToString() => Item.ToString();
}
