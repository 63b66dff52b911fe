namespace Klaviyo.Destinations;

/// <summary>
/// Holds the items taken from the queue in one lane per person (<see cref="QueuedItem.UserKey"/>) and forms batches.
/// Per-user order: a lane sends nothing while one of its items is in flight, so a person's profile upsert has a final
/// answer (for a bulk import: the job completed) before their next items (list or subscription changes, then events)
/// leave. A lane whose head item can go is "ready"; ready lanes wait in one group per request shape (profiles, events,
/// and per list: additions, removals, subscriptions, unsubscriptions; deletions) in the order they became ready. A
/// batch takes, from each ready lane of one group, its head item or its run of consecutive events (grouped into one
/// entry per profile), within Klaviyo's limits measured on the encoded bytes.
/// Audience updates (<see cref="QueuedItem.Audience"/>) travel in a second lane per person under their own flush policy
/// (bulk forwarding: 100 items or 16 hours), so a waiting audience update never holds back the person's events; it
/// still waits for the person's earlier items (a profile upsert) to be answered. A newer update of the same person and
/// list replaces a waiting one (the net result is sent, the last one wins).
/// Not thread-safe: the dispatcher owns it.
/// </summary>
internal sealed class Batcher
{
    private const string AudienceLaneSuffix = "\u001Faudiences";

    private readonly BatchPolicy _policy;
    private readonly BatchPolicy _audiencePolicy;
    private readonly Dictionary<string, Lane> _lanes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ReadyGroup> _groups = new(StringComparer.Ordinal);
    private readonly List<ReadyGroup> _groupOrder = [];
    private long _arrivals;

    public Batcher(BatchPolicy policy, BatchPolicy? audiencePolicy = null)
    {
        _policy = policy;
        _audiencePolicy = audiencePolicy ?? policy;
    }

    /// <summary>Items held and not in flight.</summary>
    public int Pending { get; private set; }

    /// <summary>Ready items of a kind (for tests and diagnostics).</summary>
    public int ReadyCount(ItemKind kind)
    {
        var count = 0;
        foreach (var group in _groupOrder)
            if (group.Kind == kind) count += group.Count;
        return count;
    }

    /// <summary>
    /// Adds an item. Returns the waiting audience update it replaces (same person, same list, not yet sent), which the
    /// caller reports as superseded; null otherwise.
    /// </summary>
    public PendingItem? Add(PendingItem item, DateTimeOffset now)
    {
        var key = LaneKey(item.Item);
        if (!_lanes.TryGetValue(key, out var lane))
            _lanes.Add(key, lane = new Lane(key, item.Item.Audience is null ? null : item.Item.UserKey));
        item.Arrival = ++_arrivals;
        DateTimeOffset? inheritedSince = null;
        var superseded = item.Item.Audience is not null ? RemoveSuperseded(lane, item.Item, out inheritedSince) : null;
        lane.Items.Add(item);
        Pending++;
        if (lane.Busy) return superseded;
        if (lane.Blocked)
        {
            if (inheritedSince is { } since && since < lane.WaitingSince) lane.WaitingSince = since;
        }
        else if (!lane.Ready)
        {
            // A replacement keeps the waiting time of the update it replaced: the window does not restart.
            TryMakeReady(lane, inheritedSince ?? now);
        }
        else if (lane.RunLength == lane.Items.Count - 1 && CanExtendRun(lane, item))
        {
            lane.RunLength++;
            lane.RunBytes += item.Size;
            lane.Group!.Count++;
            lane.Group.Bytes += item.Size;
        }
        return superseded;
    }

    /// <summary>The earliest time a ready item's flush interval runs out; null when nothing is ready.</summary>
    public DateTimeOffset? NextDue
    {
        get
        {
            DateTimeOffset? due = null;
            foreach (var group in _groupOrder)
            {
                if (group.Lanes.First is not { } first) continue;
                var at = first.Value.ReadySince + group.Policy.FlushInterval;
                if (due is null || at < due) due = at;
            }
            return due;
        }
    }

    /// <summary>Forms up to <paramref name="max"/> batches that are due (all ready items when <paramref name="force"/>).</summary>
    public List<Batch> TakeDue(DateTimeOffset now, bool force, int max)
    {
        var batches = new List<Batch>();
        while (batches.Count < max)
        {
            var group = DueGroup(now, force);
            if (group is null) break;
            batches.Add(Build(group));
        }
        return batches;
    }

    /// <summary>The batch has final outcomes: its lanes may send again.</summary>
    public void Release(Batch batch, DateTimeOffset now)
    {
        foreach (var item in batch.Items)
        {
            if (!_lanes.TryGetValue(LaneKey(item.Item), out var lane) || !lane.Busy) continue;
            lane.Busy = false;
            if (lane.Items.Count == 0) _lanes.Remove(lane.Key);
            else TryMakeReady(lane, now);
            // The person's audience lane may have been waiting for this answer.
            if (lane.MainKey is null && _lanes.TryGetValue(lane.Key + AudienceLaneSuffix, out var audiences) && audiences.Blocked)
                TryMakeReady(audiences, audiences.WaitingSince);
        }
    }

    /// <summary>Removes and returns every held item (shutdown).</summary>
    public List<PendingItem> DrainAll()
    {
        var all = _lanes.Values.SelectMany(l => l.Items).ToList();
        _lanes.Clear();
        foreach (var group in _groupOrder)
        {
            group.Lanes.Clear();
            group.Count = 0;
            group.Bytes = 0;
        }
        Pending = 0;
        return all;
    }

    private static string LaneKey(QueuedItem item) => item.Audience is null ? item.UserKey : item.UserKey + AudienceLaneSuffix;

    /// <summary>Takes out a waiting audience update of the same list (an enter followed by an exit nets to the exit).</summary>
    private PendingItem? RemoveSuperseded(Lane lane, QueuedItem next, out DateTimeOffset? readySince)
    {
        readySince = null;
        for (var i = 0; i < lane.Items.Count; i++)
        {
            var old = lane.Items[i].Item;
            if (old.Audience is null || old.Kind is not (ItemKind.AddToList or ItemKind.RemoveFromList) ||
                next.Kind is not (ItemKind.AddToList or ItemKind.RemoveFromList) || !string.Equals(old.ListId, next.ListId, StringComparison.Ordinal))
                continue;
            var wasReady = i == 0 && lane.Ready;
            if (wasReady) Unready(lane);
            var removed = lane.Items[i];
            lane.Items.RemoveAt(i);
            Pending--;
            if (wasReady)
            {
                if (lane.Items.Count > 0) TryMakeReady(lane, lane.ReadySince);
                else readySince = lane.ReadySince;
            }
            else if (lane.Blocked && lane.Items.Count == 0)
            {
                lane.Blocked = false;
                readySince = lane.WaitingSince;
            }
            return removed;
        }
        return null;
    }

    private ReadyGroup? DueGroup(DateTimeOffset now, bool force)
    {
        ReadyGroup? best = null;
        var oldest = DateTimeOffset.MaxValue;
        foreach (var group in _groupOrder)
        {
            if (group.Lanes.First is not { } first) continue;
            var head = first.Value;
            var policy = group.Policy;
            var due = force || policy.SingleOnly || group.Count >= policy.FlushCount || group.Bytes >= policy.FlushBytes
                || now - head.ReadySince >= policy.FlushInterval;
            if (due && head.ReadySince < oldest)
            {
                oldest = head.ReadySince;
                best = group;
            }
        }
        return best;
    }

    private Batch Build(ReadyGroup group)
    {
        var kind = group.Kind;
        var single = group.Policy.SingleOnly;
        var cap = single ? 1 : group.Cap;
        var items = new List<PendingItem>();
        long size = BatchComposer.EnvelopeSize(kind);
        PendingItem? last = null;
        while (group.Lanes.First is { } first)
        {
            var lane = first.Value;
            var head = lane.Items[0];
            if (head.SingleOnly && items.Count > 0) break;
            var growth = BatchComposer.Growth(last, head);
            if (items.Count > 0 && (items.Count >= cap || size + growth > BatchComposer.MaxBodyBytes)) break;
            Unready(lane);
            lane.Busy = true;
            lane.InFlightFrom = head.Arrival;
            var taken = 0;
            HashSet<string>? keys = null;
            while (taken < lane.Items.Count)
            {
                var next = lane.Items[taken];
                if (taken > 0)
                {
                    // Events: the person's run of events, no repeated unique_id. Every other kind: one item per person.
                    if (kind != ItemKind.Event || next.Kind != kind || next.SingleOnly || items.Count >= cap) break;
                    growth = BatchComposer.Growth(last, next);
                    if (size + growth > BatchComposer.MaxBodyBytes) break;
                    if (next.DedupeKey is { } key && !(keys ??= Keys(lane.Items, taken)).Add(key)) break;
                }
                items.Add(next);
                size += growth;
                last = next;
                taken++;
                if (next.SingleOnly || single) break;
            }
            lane.Items.RemoveRange(0, taken);
            Pending -= taken;
            if (head.SingleOnly || single) break;
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

    /// <summary>
    /// Makes the lane ready, unless it is a person's audience lane whose head arrived after an item of the person's
    /// main lane that has no answer yet (then it waits for that lane's <see cref="Release"/>).
    /// </summary>
    private void TryMakeReady(Lane lane, DateTimeOffset since)
    {
        if (lane.MainKey is not null && _lanes.TryGetValue(lane.MainKey, out var main))
        {
            var head = lane.Items[0].Arrival;
            if ((main.Busy && main.InFlightFrom < head) || (main.Items.Count > 0 && main.Items[0].Arrival < head))
            {
                lane.Blocked = true;
                lane.WaitingSince = since;
                return;
            }
        }
        lane.Blocked = false;
        MakeReady(lane, since);
    }

    private void MakeReady(Lane lane, DateTimeOffset now)
    {
        var head = lane.Items[0];
        var group = GroupOf(head.Item);
        lane.Ready = true;
        lane.ReadySince = now;
        lane.RunLength = 1;
        lane.RunBytes = head.Size;
        while (lane.RunLength < lane.Items.Count && CanExtendRun(lane, lane.Items[lane.RunLength]))
        {
            lane.RunBytes += lane.Items[lane.RunLength].Size;
            lane.RunLength++;
        }
        group.Count += lane.RunLength;
        group.Bytes += lane.RunBytes;
        lane.Group = group;
        lane.Node = group.Lanes.AddLast(lane);
    }

    private bool CanExtendRun(Lane lane, PendingItem next) =>
        !_policy.SingleOnly && next.Kind == ItemKind.Event && lane.Items[0].Kind == ItemKind.Event && !next.SingleOnly
        && lane.RunLength < BatchComposer.MaxEventsPerJob;

    private void Unready(Lane lane)
    {
        var group = lane.Group!;
        group.Count -= lane.RunLength;
        group.Bytes -= lane.RunBytes;
        if (lane.Node is not null) group.Lanes.Remove(lane.Node);
        lane.Node = null;
        lane.Group = null;
        lane.Ready = false;
        lane.RunLength = 0;
        lane.RunBytes = 0;
    }

    /// <summary>The group of items that may share a request with <paramref name="item"/>.</summary>
    private ReadyGroup GroupOf(QueuedItem item)
    {
        var key = item.Kind switch
        {
            ItemKind.Profile => "profile",
            ItemKind.Event => "event",
            _ => $"{item.Kind}|{item.ListId}|{(item.HistoricalImport ? "historical" : "")}|{(item.Audience is null ? "" : "audience")}",
        };
        if (!_groups.TryGetValue(key, out var group))
        {
            var cap = item.Kind switch
            {
                ItemKind.Profile => BatchComposer.MaxProfilesPerJob,
                ItemKind.Event => BatchComposer.MaxEventsPerJob,
                _ => AudienceBatching.CapFor(item.Kind),
            };
            group = new ReadyGroup(item.Kind, item.Audience is null ? _policy : _audiencePolicy, cap);
            _groups.Add(key, group);
            _groupOrder.Add(group);
        }
        return group;
    }

    private sealed class ReadyGroup(ItemKind kind, BatchPolicy policy, int cap)
    {
        public ItemKind Kind { get; } = kind;
        public BatchPolicy Policy { get; } = policy;
        public int Cap { get; } = cap;
        public LinkedList<Lane> Lanes { get; } = new();
        public int Count { get; set; }
        public long Bytes { get; set; }
    }

    private sealed class Lane(string key, string? mainKey)
    {
        public string Key { get; } = key;
        /// <summary>For a person's audience lane: the key of their main lane, whose earlier items go first.</summary>
        public string? MainKey { get; } = mainKey;
        /// <summary>An audience lane waiting for the person's main lane (see <see cref="TryMakeReady"/>).</summary>
        public bool Blocked { get; set; }
        public DateTimeOffset WaitingSince { get; set; }
        /// <summary>Arrival of the first item in flight (when busy).</summary>
        public long InFlightFrom { get; set; }
        public List<PendingItem> Items { get; } = [];
        public bool Busy { get; set; }
        public bool Ready { get; set; }
        public DateTimeOffset ReadySince { get; set; }
        public int RunLength { get; set; }
        public long RunBytes { get; set; }
        public ReadyGroup? Group { get; set; }
        public LinkedListNode<Lane>? Node { get; set; }
    }
}
