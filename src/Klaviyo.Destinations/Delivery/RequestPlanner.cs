namespace Klaviyo.Destinations;

/// <summary>
/// Plans the requests the sender would make for a sequence of items, without sending anything (dry runs, audits).
/// It uses the sender's own batcher and body composer with the same settings, assuming every request succeeds at
/// once: batches close on the count and byte thresholds (a dry run has no clock, so interval flushes happen at the
/// end), and each person's items stay in order.
/// </summary>
public sealed class RequestPlanner
{
    private static readonly DateTimeOffset s_now = DateTimeOffset.UnixEpoch;
    private readonly Batcher _batcher;

    /// <summary>Creates a planner for <paramref name="options"/>.</summary>
    /// <param name="options">The destination settings (delivery mode, flush thresholds).</param>
    /// <param name="batched">False to plan single-item requests only (<c>--no-batch</c>).</param>
    public RequestPlanner(KlaviyoDestinationOptions options, bool batched = true)
    {
        ArgumentNullException.ThrowIfNull(options);
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
    /// List membership, subscription and deletion requests need Klaviyo profile ids and membership checks that only a
    /// live run can look up; the plan names the request and what it carries instead of inventing ids.
    /// </summary>
    private static PlannedRequest Deferred(Batch batch)
    {
        var (method, path) = batch.Endpoint switch
        {
            KlaviyoEndpoint.ListAdd => ("POST", $"/api/lists/{batch.ListId}/relationships/profiles"),
            KlaviyoEndpoint.ListRemove => ("DELETE", $"/api/lists/{batch.ListId}/relationships/profiles"),
            KlaviyoEndpoint.SubscribeJob => ("POST", "/api/profile-subscription-bulk-create-jobs"),
            KlaviyoEndpoint.UnsubscribeJob => ("POST", "/api/profile-subscription-bulk-delete-jobs"),
            _ => ("POST", "/api/data-privacy-deletion-jobs"),
        };
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var json = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("composedAtSendTime", "needs Klaviyo profile ids and list membership, looked up when sending");
            json.WriteStartArray("people");
            foreach (var item in batch.Items) json.WriteStringValue(item.Item.UserKey);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return new PlannedRequest(method, path, buffer.WrittenSpan.ToArray(), batch.Count);
    }

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
                    ? Deferred(batch)
                    : new PlannedRequest("POST", BatchComposer.PathOf(batch), BatchComposer.Compose(batch), batch.Count));
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
public sealed record PlannedRequest(string Method, string Path, byte[] Body, int ItemCount);
