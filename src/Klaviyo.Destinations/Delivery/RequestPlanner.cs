namespace Klaviyo.Destinations;

/// <summary>
/// Plans the requests the sender would make for a sequence of items, without sending anything (dry runs, audits).
/// It uses the sender's own batcher and body composer with the same settings, assuming every request succeeds at
/// once: batches close on the count and byte thresholds (a dry run has no clock, so interval flushes happen at the
/// end), and each person's items stay in order.
/// </summary>
internal sealed class RequestPlanner
{
    private static readonly DateTimeOffset s_now = DateTimeOffset.UnixEpoch;
    private readonly Batcher _batcher;
    private readonly KlaviyoDestinationOptions _options;

    /// <summary>Creates a planner for <paramref name="options"/>.</summary>
    /// <param name="options">The destination settings (delivery mode, flush thresholds).</param>
    /// <param name="batched">False to plan single-item requests only (<c>--no-batch</c>).</param>
    public RequestPlanner(KlaviyoDestinationOptions options, bool batched = true)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _batcher = new Batcher(BatchPolicy.From(options, bulkSupported: batched));
    }

    /// <summary>Adds an item; returns the requests that became due because of it (often none).</summary>
    public IReadOnlyList<PlannedRequest> Add(QueuedItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        _batcher.Add(PendingItem.Create(item, s_now), s_now);
        return Take(force: false);
    }

    /// <summary>Returns the requests for everything still waiting (the end of the input).</summary>
    public IReadOnlyList<PlannedRequest> Complete()
    {
        var all = new List<PlannedRequest>();
        while (_batcher.Pending > 0)
        {
            var taken = Take(force: true);
            if (taken.Count == 0) break;
            all.AddRange(taken);
        }
        return all;
    }

    /// <summary>
    /// List membership, subscription and deletion requests, with the bodies a live run sends. Subscription jobs take the
    /// profiles' identifiers, so their bodies are exact. List changes (and a deletion by external id) take Klaviyo profile
    /// ids that only a live run can look up: there the id is a placeholder naming the person, e.g.
    /// <c>"profile id of email ada@example.com (looked up when sending)"</c>. A live run may also leave out an
    /// unsubscription limited to a list the person is not in (see <see cref="KlaviyoDestinationOptions.UnsubscribeOutsideList"/>).
    /// </summary>
    private PlannedRequest Audience(Batch batch)
    {
        var rows = Enumerable.Range(0, batch.Count).ToList();
        return batch.Endpoint switch
        {
            KlaviyoEndpoint.ListAdd => new("POST", KlaviyoPaths.PathOf(batch.Endpoint, batch.ListId), ListBody(batch), batch.Count),
            KlaviyoEndpoint.ListRemove => new("DELETE", KlaviyoPaths.PathOf(batch.Endpoint, batch.ListId), ListBody(batch), batch.Count),
            KlaviyoEndpoint.SubscribeJob => new("POST", KlaviyoPaths.PathOf(batch.Endpoint), SubscriptionSender.SubscriptionBody(batch, rows, subscribe: true, _options.ConsentSource), batch.Count),
            KlaviyoEndpoint.UnsubscribeJob => new("POST", KlaviyoPaths.PathOf(batch.Endpoint), SubscriptionSender.SubscriptionBody(batch, rows, subscribe: false, _options.ConsentSource), batch.Count),
            _ => new("POST", KlaviyoPaths.PathOf(batch.Endpoint), DeletionBody(batch), batch.Count),
        };
    }

    private static byte[] ListBody(Batch batch) =>
        ListMembershipSender.ListBody(batch.Items.Select(i => ProfileIdentifiers.Read(i.Item.Profile)).Select(who =>
            who.Id ?? Placeholder(who.Email is { } e ? ("email", e) : who.ExternalId is { } x ? ("external_id", x) : ("phone_number", who.PhoneNumber ?? "?"))).Distinct(StringComparer.Ordinal).ToList());

    private static byte[] DeletionBody(Batch batch)
    {
        var who = ProfileIdentifiers.Read(batch.Items[0].Item.Profile);
        var id = who.Id ?? (who.ExternalId is { } externalId ? Placeholder(("external_id", externalId)) : null);
        return DeletionSender.DeletionBody(id, who);
    }

    private static string Placeholder((string Field, string Value) who) => $"profile id of {who.Field} {who.Value} (looked up when sending)";

    private List<PlannedRequest> Take(bool force)
    {
        var planned = new List<PlannedRequest>();
        while (true)
        {
            var batches = _batcher.TakeDue(s_now, force, int.MaxValue);
            if (batches.Count == 0) return planned;
            foreach (var batch in batches)
            {
                planned.Add(AudienceSender.Handles(batch.Endpoint)
                    ? Audience(batch)
                    : new PlannedRequest("POST", KlaviyoPaths.PathOf(batch.Endpoint), BatchComposer.Compose(batch), batch.Count));
                _batcher.Release(batch, s_now);
            }
        }
    }
}

/// <summary>One HTTP request a dry run would send.</summary>
/// <param name="Method">The HTTP method.</param>
/// <param name="Path">The path under the base address, e.g. <c>/api/event-bulk-create-jobs</c>.</param>
/// <param name="Body">The exact JSON body.</param>
/// <param name="ItemCount">How many items (profiles or events) it carries.</param>
internal sealed record PlannedRequest(string Method, string Path, byte[] Body, int ItemCount);
