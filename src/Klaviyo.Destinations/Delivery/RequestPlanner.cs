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

    private List<PlannedRequest> Take(bool force)
    {
        var planned = new List<PlannedRequest>();
        while (true)
        {
            var batches = _batcher.TakeDue(s_now, force, int.MaxValue);
            if (batches.Count == 0) return planned;
            foreach (var batch in batches)
            {
                planned.Add(new PlannedRequest("POST", BatchComposer.PathOf(batch), BatchComposer.Compose(batch), batch.Count));
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
