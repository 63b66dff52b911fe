namespace Klaviyo.Destinations;

/// <summary>
/// Holds the items taken from the queue in one lane per person (<see cref="QueuedItem.UserKey"/>) and forms batches.
/// Per-user order: a lane sends nothing while one of its items is in flight, so a person's profile upsert has a final
/// answer (for a bulk import: the job completed) before their next items leave. A lane whose head item can go is
/// "ready"; ready lanes wait in one queue per kind (profiles, events) in the order they became ready. A batch takes,
/// from each ready lane, its head profile or its run of consecutive events (grouped into one entry per profile),
/// within Klaviyo's limits measured on the encoded bytes. Not thread-safe: the dispatcher owns it.
/// </summary>
internal sealed class Batcher
{
    private readonly BatchPolicy _policy;
    private readonly Dictionary<string, Lane> _lanes = new(StringComparer.Ordinal);
    private readonly Queue<Lane>[] _ready = [new(), new()];
    private readonly int[] _readyCount = new int[2];
    private readonly long[] _readyBytes = new long[2];

    public Batcher(BatchPolicy policy)
    {
        _policy = policy;
    }

    /// <summary>Items held and not in flight.</summary>
    public int Pending { get; private set; }

    /// <summary>Ready items of a kind (for tests and diagnostics).</summary>
    public int ReadyCount(ItemKind kind) => _readyCount[Index(kind)];

    public void Add(PendingItem item, DateTimeOffset now)
    {
        if (!_lanes.TryGetValue(item.Item.UserKey, out var lane))
            _lanes.Add(item.Item.UserKey, lane = new Lane(item.Item.UserKey));
        lane.Items.Add(item);
        Pending++;
        if (lane.Busy) return;
        if (!lane.Ready)
        {
            MakeReady(lane, now);
        }
        else if (lane.RunLength == lane.Items.Count - 1 && CanExtendRun(lane, item))
        {
            lane.RunLength++;
            _readyCount[Index(item.Kind)]++;
            _readyBytes[Index(item.Kind)] += item.Size;
        }
    }

    /// <summary>The earliest time a ready item's <see cref="BatchPolicy.FlushInterval"/> runs out; null when nothing is ready.</summary>
    public DateTimeOffset? NextDue
    {
        get
        {
            DateTimeOffset? due = null;
            foreach (var queue in _ready)
                if (queue.TryPeek(out var lane) && (due is null || lane.ReadySince + _policy.FlushInterval < due))
                    due = lane.ReadySince + _policy.FlushInterval;
            return due;
        }
    }

    /// <summary>Forms up to <paramref name="max"/> batches that are due (all ready items when <paramref name="force"/>).</summary>
    public List<Batch> TakeDue(DateTimeOffset now, bool force, int max)
    {
        var batches = new List<Batch>();
        while (batches.Count < max)
        {
            var kind = DueKind(now, force);
            if (kind is null) break;
            batches.Add(Build(kind.Value));
        }
        return batches;
    }

    /// <summary>The batch has final outcomes: its lanes may send again.</summary>
    public void Release(Batch batch, DateTimeOffset now)
    {
        foreach (var item in batch.Items)
        {
            if (!_lanes.TryGetValue(item.Item.UserKey, out var lane) || !lane.Busy) continue;
            lane.Busy = false;
            if (lane.Items.Count == 0) _lanes.Remove(lane.Key);
            else MakeReady(lane, now);
        }
    }

    /// <summary>Removes and returns every held item (shutdown).</summary>
    public List<PendingItem> DrainAll()
    {
        var all = _lanes.Values.SelectMany(l => l.Items).ToList();
        _lanes.Clear();
        foreach (var queue in _ready) queue.Clear();
        Array.Clear(_readyCount);
        Array.Clear(_readyBytes);
        Pending = 0;
        return all;
    }

    private ItemKind? DueKind(DateTimeOffset now, bool force)
    {
        ItemKind? best = null;
        DateTimeOffset oldest = DateTimeOffset.MaxValue;
        foreach (var kind in (ReadOnlySpan<ItemKind>)[ItemKind.Profile, ItemKind.Event])
        {
            var i = Index(kind);
            if (!_ready[i].TryPeek(out var head)) continue;
            var due = force || _policy.SingleOnly || _readyCount[i] >= _policy.FlushCount || _readyBytes[i] >= _policy.FlushBytes
                || now - head.ReadySince >= _policy.FlushInterval;
            if (due && head.ReadySince < oldest)
            {
                oldest = head.ReadySince;
                best = kind;
            }
        }
        return best;
    }

    private Batch Build(ItemKind kind)
    {
        var queue = _ready[Index(kind)];
        var cap = _policy.SingleOnly ? 1 : kind == ItemKind.Profile ? BatchComposer.MaxProfilesPerJob : BatchComposer.MaxEventsPerJob;
        var items = new List<PendingItem>();
        long size = BatchComposer.EnvelopeSize(kind);
        PendingItem? last = null;
        while (queue.TryPeek(out var lane))
        {
            var head = lane.Items[0];
            if (head.SingleOnly && items.Count > 0) break;
            var growth = BatchComposer.Growth(last, head);
            if (items.Count > 0 && (items.Count >= cap || size + growth > BatchComposer.MaxBodyBytes)) break;
            queue.Dequeue();
            Unready(lane);
            lane.Busy = true;
            var taken = 0;
            HashSet<string>? keys = null;
            while (taken < lane.Items.Count)
            {
                var next = lane.Items[taken];
                if (taken > 0)
                {
                    // Profiles: one row per person per job. Events: the person's run of events, no repeated unique_id.
                    if (kind == ItemKind.Profile || next.Kind != kind || next.SingleOnly || items.Count >= cap) break;
                    growth = BatchComposer.Growth(last, next);
                    if (size + growth > BatchComposer.MaxBodyBytes) break;
                    if (next.DedupeKey is { } key && !(keys ??= Keys(lane.Items, taken)).Add(key)) break;
                }
                items.Add(next);
                size += growth;
                last = next;
                taken++;
                if (next.SingleOnly || _policy.SingleOnly) break;
            }
            lane.Items.RemoveRange(0, taken);
            Pending -= taken;
            if (head.SingleOnly || _policy.SingleOnly) break;
        }
        return Batch.For(kind, items);
    }

    private static HashSet<string> Keys(List<PendingItem> items, int count)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
            if (items[i].DedupeKey is { } key) keys.Add(key);
        return keys;
    }

    private void MakeReady(Lane lane, DateTimeOffset now)
    {
        var head = lane.Items[0];
        lane.Ready = true;
        lane.ReadySince = now;
        lane.RunLength = 1;
        lane.RunBytes = head.Size;
        while (lane.RunLength < lane.Items.Count && CanExtendRun(lane, lane.Items[lane.RunLength]))
        {
            lane.RunBytes += lane.Items[lane.RunLength].Size;
            lane.RunLength++;
        }
        var i = Index(head.Kind);
        _readyCount[i] += lane.RunLength;
        _readyBytes[i] += lane.RunBytes;
        _ready[i].Enqueue(lane);
    }

    private bool CanExtendRun(Lane lane, PendingItem next) =>
        !_policy.SingleOnly && next.Kind == ItemKind.Event && lane.Items[0].Kind == ItemKind.Event && !next.SingleOnly
        && lane.RunLength < BatchComposer.MaxEventsPerJob;

    private void Unready(Lane lane)
    {
        var i = Index(lane.Items[0].Kind);
        _readyCount[i] -= lane.RunLength;
        _readyBytes[i] -= lane.RunBytes;
        lane.Ready = false;
        lane.RunLength = 0;
        lane.RunBytes = 0;
    }

    private static int Index(ItemKind kind) => kind == ItemKind.Event ? 1 : 0;

    private sealed class Lane(string key)
    {
        public string Key { get; } = key;
        public List<PendingItem> Items { get; } = [];
        public bool Busy { get; set; }
        public bool Ready { get; set; }
        public DateTimeOffset ReadySince { get; set; }
        public int RunLength { get; set; }
        public long RunBytes { get; set; }
    }
}
