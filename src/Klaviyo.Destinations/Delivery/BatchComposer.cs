using System.Globalization;
using System.Text.Json;

namespace Klaviyo.Destinations;

/// <summary>
/// Bulk request bodies, spliced from the items' encoded bytes (never re-serialised), with their exact sizes, and the
/// way back from Klaviyo's error pointers (<c>/data/attributes/events-bulk-create/data/3/…</c>,
/// <c>/data/attributes/profiles/data/12/…</c>) to the item they name.
/// </summary>
internal static class BatchComposer
{
    /// <summary>Klaviyo's payload limit for bulk jobs (<see cref="KlaviyoLimits.MaxRequestBytes"/>).</summary>
    public const int MaxBodyBytes = KlaviyoLimits.MaxRequestBytes;

    /// <summary>Largest profile row put into a bulk import (<see cref="KlaviyoLimits.MaxBulkProfileRowBytes"/>).</summary>
    public const int MaxProfileRowBytes = KlaviyoLimits.MaxBulkProfileRowBytes;

    /// <summary>Most profiles per bulk import job (<see cref="KlaviyoLimits.MaxProfilesPerBulkJob"/>).</summary>
    public const int MaxProfilesPerJob = KlaviyoLimits.MaxProfilesPerBulkJob;

    /// <summary>Most events per bulk create job (<see cref="KlaviyoLimits.MaxEventsPerBulkJob"/>).</summary>
    public const int MaxEventsPerJob = KlaviyoLimits.MaxEventsPerBulkJob;


    private static readonly byte[] s_eventEnvelopePrefix = """{"data":{"type":"event-bulk-create-job","attributes":{"events-bulk-create":{"data":["""u8.ToArray();
    private static readonly byte[] s_profileEnvelopePrefix = """{"data":{"type":"profile-bulk-import-job","attributes":{"profiles":{"data":["""u8.ToArray();
    private static readonly byte[] s_envelopeSuffix = "]}}}}"u8.ToArray();
    private static readonly byte[] s_entryPrefix = """{"type":"event-bulk-create","attributes":{"profile":{"data":{"type":"profile","attributes":"""u8.ToArray();
    private static readonly byte[] s_entryMiddle = """}},"events":{"data":["""u8.ToArray();
    private static readonly byte[] s_entrySuffix = "]}}}"u8.ToArray();
    private static readonly byte[] s_rowPrefix = """{"type":"profile","attributes":"""u8.ToArray();
    private static readonly byte[] s_rowSuffix = "}"u8.ToArray();
    private static readonly byte[] s_comma = ","u8.ToArray();

    /// <summary>The fixed bytes of an event bulk body around its entries.</summary>
    public static ReadOnlySpan<byte> EventEnvelope => "{\"data\":{\"type\":\"event-bulk-create-job\",\"attributes\":{\"events-bulk-create\":{\"data\":[]}}}}"u8;

    /// <summary>The fixed bytes of a profile bulk body around its rows.</summary>
    public static int ProfileEnvelopeSize => s_profileEnvelopePrefix.Length + s_envelopeSuffix.Length;

    /// <summary>Bytes of an entry around its profile attributes and event resources.</summary>
    public static int EventEntryOverhead => s_entryPrefix.Length + s_entryMiddle.Length + s_entrySuffix.Length;

    /// <summary>Bytes of a profile row: <c>{"type":"profile","attributes":…}</c>.</summary>
    public static int ProfileRowSize(byte[] attributes) => s_rowPrefix.Length + attributes.Length + s_rowSuffix.Length;

    /// <summary>Whether two consecutive events share one <c>event-bulk-create</c> entry (same person, same profile bytes).</summary>
    public static bool SameEntry(PendingItem previous, PendingItem next) =>
        previous.Item.UserKey == next.Item.UserKey && previous.Item.Profile.AsSpan().SequenceEqual(next.Item.Profile);

    /// <summary>Index of the first item of each entry.</summary>
    public static int[] EntryStarts(List<PendingItem> items)
    {
        var starts = new List<int>();
        for (var i = 0; i < items.Count; i++)
            if (i == 0 || !SameEntry(items[i - 1], items[i])) starts.Add(i);
        return starts.ToArray();
    }

    /// <summary>Bytes <paramref name="next"/> adds to a bulk body whose last item is <paramref name="last"/> (null when empty).</summary>
    public static int Growth(PendingItem? last, PendingItem next)
    {
        if (next.Kind != ItemKind.Event) return (last is null ? 0 : 1) + next.Size;
        if (last is not null && SameEntry(last, next)) return 1 + next.Size;
        return (last is null ? 0 : 1) + EventEntryOverhead + next.Item.Profile.Length + next.Size;
    }

    /// <summary>Bytes of the envelope of a bulk body for <paramref name="kind"/>.</summary>
    public static int EnvelopeSize(ItemKind kind) => kind switch
    {
        ItemKind.Event => EventEnvelope.Length,
        ItemKind.Profile => ProfileEnvelopeSize,
        _ => 512, // a subscription job's envelope with its list relationship, generously
    };

    /// <summary>The request path of a batch.</summary>
    public static string PathOf(Batch batch) => KlaviyoPaths.PathOf(batch.Endpoint);

    /// <summary>
    /// The request body of a batch, written straight into an array of its exact size (bulk bodies reach 5 MB: a
    /// growing buffer and a copy would be two large-object-heap allocations per request).
    /// </summary>
    public static byte[] Compose(Batch batch)
    {
        if (!batch.IsBulk) return RequestComposer.SingleBody(batch.Items[0].Item);
        var items = batch.Items;
        var kind = items[0].Kind;
        var size = EnvelopeSize(kind);
        for (var i = 0; i < items.Count; i++) size += Growth(i == 0 ? null : items[i - 1], items[i]);
        var body = new byte[size];
        var output = new SpanOutput(body);
        if (kind == ItemKind.Profile)
        {
            output.Write(s_profileEnvelopePrefix);
            for (var i = 0; i < items.Count; i++)
            {
                if (i > 0) output.Write(s_comma);
                output.Write(s_rowPrefix);
                output.Write(items[i].Item.Profile);
                output.Write(s_rowSuffix);
            }
        }
        else
        {
            output.Write(s_eventEnvelopePrefix);
            for (var i = 0; i < items.Count; i++)
            {
                var newEntry = i == 0 || !SameEntry(items[i - 1], items[i]);
                if (newEntry)
                {
                    if (i > 0)
                    {
                        output.Write(s_entrySuffix);
                        output.Write(s_comma);
                    }
                    output.Write(s_entryPrefix);
                    output.Write(items[i].Item.Profile);
                    output.Write(s_entryMiddle);
                }
                else
                {
                    output.Write(s_comma);
                }
                output.Write(items[i].EventResource);
            }
            output.Write(s_entrySuffix);
        }
        output.Write(s_envelopeSuffix);
        if (output.Written != size)
            throw new InvalidOperationException($"A bulk body came to {output.Written} bytes where {size} were computed; the size rules and the composer disagree.");
        return body;
    }

    /// <summary>Appends to a fixed array (the size is computed first; writing past it throws).</summary>
    private ref struct SpanOutput(Span<byte> target)
    {
        private readonly Span<byte> _target = target;

        public int Written { get; private set; }

        public void Write(ReadOnlySpan<byte> bytes)
        {
            bytes.CopyTo(_target[Written..]);
            Written += bytes.Length;
        }
    }

    /// <summary>
    /// The items a Klaviyo error pointer names, and the pointer as it would read for that item alone on the
    /// single-item endpoint (e.g. <c>/data/attributes/time</c>). Empty when the pointer names no item.
    /// </summary>
    public static (IReadOnlyList<int> Items, string? Field) Locate(Batch batch, string? pointer)
    {
        if (pointer is null || !pointer.StartsWith('/')) return ([], pointer);
        if (!batch.IsBulk) return ([0], pointer);
        if (batch.Endpoint == KlaviyoEndpoint.ProfileBulkImport)
        {
            return TakeIndex(pointer, "/data/attributes/profiles/data/", out var row, out var rest) && row < batch.Count
                ? ([row], "/data" + rest)
                : ([], pointer);
        }
        if (!TakeIndex(pointer, "/data/attributes/events-bulk-create/data/", out var entry, out var inEntry) || entry >= batch.EntryStarts.Count)
            return ([], pointer);
        var start = batch.EntryStarts[entry];
        var end = entry + 1 < batch.EntryStarts.Count ? batch.EntryStarts[entry + 1] : batch.Count;
        if (TakeIndex(inEntry, "/attributes/events/data/", out var evt, out var inEvent))
        {
            return start + evt < end
                ? ([start + evt], "/data" + inEvent)
                : ([], pointer);
        }
        var field = inEntry.StartsWith("/attributes/profile", StringComparison.Ordinal) ? "/data" + inEntry : pointer;
        return (Enumerable.Range(start, end - start).ToArray(), field);
    }

    /// <summary>
    /// The profile rows of a bulk import whose identifiers match an import error's <c>original_payload</c> (a profile
    /// resource or its attributes): email (case-insensitive), then phone_number, then external_id. Empty when the
    /// payload names no identifier or no row has it.
    /// </summary>
    public static IReadOnlyList<int> LocateByPayload(Batch batch, JsonElement payload)
    {
        if (batch.Endpoint != KlaviyoEndpoint.ProfileBulkImport || payload.ValueKind != JsonValueKind.Object) return [];
        if (payload.TryGetProperty("attributes", out var inner) && inner.ValueKind == JsonValueKind.Object) payload = inner;
        foreach (var (name, comparison) in s_rowIdentifiers)
        {
            if (!payload.TryGetProperty(name, out var wanted) || wanted.ValueKind != JsonValueKind.String || wanted.GetString() is not { Length: > 0 } value) continue;
            var rows = new List<int>();
            for (var i = 0; i < batch.Count; i++)
            {
                using var row = JsonDocument.Parse(batch.Items[i].Item.Profile);
                if (row.RootElement.ValueKind == JsonValueKind.Object && row.RootElement.TryGetProperty(name, out var have) &&
                    have.ValueKind == JsonValueKind.String && string.Equals(have.GetString(), value, comparison))
                    rows.Add(i);
            }
            if (rows.Count > 0) return rows;
        }
        return [];
    }

    private static readonly (string Name, StringComparison Comparison)[] s_rowIdentifiers =
        [("email", StringComparison.OrdinalIgnoreCase), ("phone_number", StringComparison.Ordinal), ("external_id", StringComparison.Ordinal)];

    private static bool TakeIndex(string pointer, string prefix, out int index, out string rest)
    {
        index = -1;
        rest = string.Empty;
        if (!pointer.StartsWith(prefix, StringComparison.Ordinal)) return false;
        var end = pointer.IndexOf('/', prefix.Length);
        var digits = end < 0 ? pointer.AsSpan(prefix.Length) : pointer.AsSpan(prefix.Length, end - prefix.Length);
        if (!int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out index)) return false;
        rest = end < 0 ? string.Empty : pointer[end..];
        return true;
    }
}
