namespace Klaviyo.Destinations;

/// <summary>
/// Items that go out in one request: a bulk job (profiles or events) or a single item. Holds the entry layout of an
/// event bulk body so that Klaviyo's error pointers map back to items.
/// </summary>
internal sealed class Batch
{
    public Batch(KlaviyoEndpoint endpoint, List<PendingItem> items)
    {
        Endpoint = endpoint;
        Items = items;
        EntryStarts = endpoint == KlaviyoEndpoint.EventBulkCreate ? BatchComposer.EntryStarts(items) : [];
    }

    public KlaviyoEndpoint Endpoint { get; }

    public List<PendingItem> Items { get; }

    /// <summary>Index of the first item of each <c>event-bulk-create</c> entry (event bulk only).</summary>
    public IReadOnlyList<int> EntryStarts { get; }

    public int Count => Items.Count;

    public bool IsBulk => Endpoint is KlaviyoEndpoint.ProfileBulkImport or KlaviyoEndpoint.EventBulkCreate;

    /// <summary>A batch of <paramref name="items"/> of one kind: bulk when there are several, the single endpoint for one.</summary>
    public static Batch For(ItemKind kind, List<PendingItem> items) => kind switch
    {
        ItemKind.Event => new Batch(items.Count == 1 ? KlaviyoEndpoint.Events : KlaviyoEndpoint.EventBulkCreate, items),
        ItemKind.Profile => new Batch(items.Count == 1 ? KlaviyoEndpoint.ProfileImport : KlaviyoEndpoint.ProfileBulkImport, items),
        _ => new Batch(AudienceBatching.EndpointFor(kind), items),
    };

    /// <summary>The list every item of a list, subscription or unsubscription batch refers to (null when none).</summary>
    public string? ListId => Items.Count == 0 ? null : Items[0].Item.ListId;

    /// <summary>Consecutive 5xx answers this batch got (carried to the batch that is retried); the pipeline bisects it from the second (poison isolation).</summary>
    public int ServerErrors { get; set; }

    /// <summary>
    /// One item that bisection found failing while the other half of its last split was accepted: its 5xx answers are
    /// about it, not about Klaviyo, so they do not count towards an outage (delivery is not paused because of it).
    /// </summary>
    public bool Culprit { get; set; }

    /// <summary>Set when this batch was sent as a bisection probe and failed; the answer it got.</summary>
    public BatchResult? ProbeFailure { get; set; }

    public override string ToString() => $"{KlaviyoTransport.Name(Endpoint)} × {Items.Count}";
}
