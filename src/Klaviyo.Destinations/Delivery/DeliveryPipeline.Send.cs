namespace Klaviyo.Destinations;

internal sealed partial class DeliveryPipeline
{
    private async Task DeliverAsync(Batch batch, CancellationToken token)
    {
        // Loaded after a restart with a retry pending: wait for the persisted next-attempt time first (at most
        // MaxRetryDelay: a restart is a fair moment to try again, and a long Retry-After may be long over).
        DateTimeOffset? notBefore = null;
        foreach (var item in batch.Items)
        {
            if (item.Item.NotBefore is { } at && (notBefore is null || at > notBefore)) notBefore = at;
            item.Item.NotBefore = null;
        }
        if (notBefore is { } until && until - _time.GetUtcNow() is { Ticks: > 0 } wait)
            await Task.Delay(wait < _options.MaxRetryDelay ? wait : _options.MaxRetryDelay, _time, token).ConfigureAwait(false);
        var work = new Stack<Batch>();
        work.Push(batch);
        while (work.TryPop(out var current))
        {
            while (current is not null)
            {
                current = await SendOnceAsync(current, work, token).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Sends a batch once and settles what can be settled; returns what must be sent next (or null).</summary>
    private async Task<Batch?> SendOnceAsync(Batch batch, Stack<Batch> work, CancellationToken token, bool probing = false)
    {
        // Paused (key refused, Klaviyo down): nothing is sent until the gate's probe finds Klaviyo answering again;
        // items that reach MaxItemAge meanwhile are given up (dead letters), however long the pause.
        var kind = batch.Items[0].Kind;
        if (probing)
        {
            while (!_gate.MaySend()) await _gate.WhenRunningAsync(token).ConfigureAwait(false);
        }
        else if (await WaitWhilePausedAsync(batch, kind, token).ConfigureAwait(false) is { } ready) batch = ready;
        else return null;
        foreach (var item in batch.Items) item.Item.Attempts++;
        var endpoint = KlaviyoTransport.Name(batch.Endpoint);
        BatchResult result;
        KlaviyoTelemetry.Producers = batch.Items;   // the request spans link to the calls that produced the items
        try
        {
            result = await _sender.SendAsync(batch, token).ConfigureAwait(false);
        }
        finally
        {
            KlaviyoTelemetry.Producers = null;
        }
        // A bisection probe's failure says something about the items in it, not about Klaviyo: when every part fails,
        // the re-joined batch's own retries are what count towards an outage. So do a found culprit's 5xx answers.
        var state = (probing && result.StatusCode is 0 or >= 500) || (batch.Culprit && result.StatusCode >= 500)
            ? _gate.State
            : _gate.Observe(result.StatusCode, result.Reason);
        if (result.Verdict != BatchVerdict.Delivered && PauseKeeps(state, result))
            return await KeepWhilePausedAsync(batch, kind, result, token).ConfigureAwait(false);
        // A 429 is Klaviyo pacing everyone, never this item's fault: it waits (Retry-After) without spending an attempt.
        if (result.Verdict == BatchVerdict.Retry && result.StatusCode == 429)
            foreach (var item in batch.Items) item.Item.Attempts--;
        switch (result.Verdict)
        {
            case BatchVerdict.Delivered:
            {
                var rejected = new HashSet<int>();
                foreach (var rejection in result.Rejections)
                    if (rejected.Add(rejection.Index)) Finish(batch.Items[rejection.Index], DeliveryStatus.Rejected, rejection.Reason, rejection.Field);
                var settled = new HashSet<int>(rejected);
                foreach (var skip in result.Skips)
                    if (settled.Add(skip.Index)) Finish(batch.Items[skip.Index], DeliveryStatus.Skipped, skip.Reason, skip.Field);
                for (var i = 0; i < batch.Count; i++)
                    if (!settled.Contains(i)) Finish(batch.Items[i], DeliveryStatus.Delivered, null, null);
                _metrics.ItemsDelivered(endpoint, batch.Count - settled.Count);
                if (rejected.Count > 0) _metrics.ItemsRejected(endpoint, rejected.Count);
                return null;
            }
            case BatchVerdict.Retry:
            {
                if (probing)
                {
                    // A 429 is pacing, not a finding about the probe's items: the probe waits and goes again.
                    if (result.StatusCode == 429)
                    {
                        await Task.Delay(RetryDelay(1, result.RetryAfter), _time, token).ConfigureAwait(false);
                        return batch;
                    }
                    // A bisection probe: its send is not an attempt of the items; the caller decides what failed.
                    foreach (var item in batch.Items) item.Item.Attempts--;
                    batch.ProbeFailure = result;
                    return null;
                }
                batch.ServerErrors = result.StatusCode >= 500 ? batch.ServerErrors + 1 : 0;
                if (batch.Count > 1 && batch.ServerErrors >= PoisonSplitAfter)
                {
                    // A batch that keeps failing with 5xx may hold items Klaviyo cannot take: find each by halving.
                    var (suspect, answer) = await IsolateAsync(batch, result, work, token).ConfigureAwait(false);
                    if (suspect is null) return null;
                    batch = suspect;
                    result = answer;
                    endpoint = KlaviyoTransport.Name(batch.Endpoint);
                }
                _metrics.Retry(endpoint, batch.Count);
                var now = _time.GetUtcNow();
                var remaining = GiveUpSpent(batch, result, now);
                if (remaining.Count == 0) return null;
                var attempts = remaining.Max(item => item.Item.Attempts);
                var delay = RetryDelay(attempts, result.RetryAfter);
                Log.Retrying(_logger, batch.ToString(), delay, attempts, result.Reason);
                foreach (var item in remaining)
                {
                    item.Item.NotBefore = now + delay;
                    await _queue.RecordRetryAsync(item.Item, token).ConfigureAwait(false);
                }
                await Task.Delay(delay, _time, token).ConfigureAwait(false);
                if (remaining.Count == batch.Count) return batch;
                var next = Batch.For(kind, remaining);
                next.ServerErrors = batch.ServerErrors;
                return next;
            }
            default:
            {
                if (result.Rejections.Count > 0)
                {
                    var rejected = new HashSet<int>();
                    foreach (var rejection in result.Rejections)
                        if (rejected.Add(rejection.Index)) Finish(batch.Items[rejection.Index], DeliveryStatus.Rejected, rejection.Reason, rejection.Field);
                    _metrics.ItemsRejected(endpoint, rejected.Count);
                    var rest = new List<PendingItem>(batch.Count - rejected.Count);
                    for (var i = 0; i < batch.Count; i++)
                    {
                        if (rejected.Contains(i)) continue;
                        batch.Items[i].Item.Attempts--; // refused because of another item: not an attempt of its own
                        rest.Add(batch.Items[i]);
                    }
                    return rest.Count == 0 ? null : Batch.For(kind, rest);
                }
                if (batch.Count > 1 && result.Splittable)
                {
                    // No pointer names the culprit: halve until it stands alone (order kept: first half first).
                    foreach (var item in batch.Items) item.Item.Attempts--;
                    var half = batch.Count / 2;
                    work.Push(Batch.For(kind, batch.Items.GetRange(half, batch.Count - half)));
                    work.Push(Batch.For(kind, batch.Items.GetRange(0, half)));
                    return null;
                }
                foreach (var item in batch.Items) Finish(item, DeliveryStatus.Rejected, result.Reason, result.Field);
                _metrics.ItemsRejected(endpoint, batch.Count);
                return null;
            }
        }
    }
}
