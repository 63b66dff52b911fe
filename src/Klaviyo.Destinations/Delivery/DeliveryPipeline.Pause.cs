namespace Klaviyo.Destinations;

internal sealed partial class DeliveryPipeline
{
    /// <summary>A refused key (401/403) or a failure while Klaviyo is down: the batch waits for the gate, it is not given up.</summary>
    private static bool PauseKeeps(DeliveryState state, BatchResult result) => state switch
    {
        DeliveryState.CredentialsRefused => result.StatusCode is 401 or 403 || result.Verdict == BatchVerdict.Retry,
        DeliveryState.KlaviyoUnavailable => result.Verdict == BatchVerdict.Retry,
        _ => false,
    };

    /// <summary>
    /// Keeps a batch through a pause: the attempt does not count, and only items older than
    /// <see cref="KlaviyoDestinationOptions.MaxItemAge"/> are given up (dead letters). The rest is sent again once the gate opens.
    /// </summary>
    private async Task<Batch?> KeepWhilePausedAsync(Batch batch, ItemKind kind, BatchResult result, CancellationToken token)
    {
        var now = _time.GetUtcNow();
        var remaining = new List<PendingItem>(batch.Count);
        foreach (var item in batch.Items)
        {
            item.Item.Attempts--;
            var age = now - item.FirstSeen;
            if (age >= _options.MaxItemAge)
                Finish(item, DeliveryStatus.Expired, $"Kept {age.TotalHours:0.#} h while delivery was paused, past MaxItemAge; last answer: {result.Reason}", result.Field, deadLetter: true);
            else remaining.Add(item);
        }
        if (remaining.Count == 0) return null;
        _metrics.Retry(KlaviyoTransport.Name(batch.Endpoint), remaining.Count);
        foreach (var item in remaining) await _queue.RecordRetryAsync(item.Item, token).ConfigureAwait(false);
        return remaining.Count == batch.Count ? batch : Batch.For(kind, remaining);
    }

    /// <summary>
    /// Waits until the gate lets requests through; while it is paused, items that reach
    /// <see cref="KlaviyoDestinationOptions.MaxItemAge"/> are given up as dead letters. Returns what is left to send, or null.
    /// </summary>
    private async Task<Batch?> WaitWhilePausedAsync(Batch batch, ItemKind kind, CancellationToken token)
    {
        while (true)
        {
            // Running, or (a user-supplied sender) this batch is the trial that tells whether the sender works again.
            if (_gate.MaySend()) return batch;
            var running = _gate.WhenRunningAsync(token);
            if (running.IsCompleted)
            {
                await running.ConfigureAwait(false);
                continue;
            }
            var oldest = batch.Items.Min(i => i.FirstSeen);
            var wait = oldest + _options.MaxItemAge - _time.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                using var stopWaiting = CancellationTokenSource.CreateLinkedTokenSource(token);
                var expiry = Task.Delay(wait, _time, stopWaiting.Token);
                var first = await Task.WhenAny(running, expiry).ConfigureAwait(false);
                await stopWaiting.CancelAsync().ConfigureAwait(false);
                if (first == running)
                {
                    await running.ConfigureAwait(false);
                    continue;
                }
                token.ThrowIfCancellationRequested();
            }
            var now = _time.GetUtcNow();
            var remaining = new List<PendingItem>(batch.Count);
            foreach (var item in batch.Items)
            {
                var age = now - item.FirstSeen;
                if (age >= _options.MaxItemAge)
                    Finish(item, DeliveryStatus.Expired, $"Kept {age.TotalHours:0.#} h while delivery was paused ({_gate.State}: {_gate.Reason}), past MaxItemAge.", null, deadLetter: true);
                else remaining.Add(item);
            }
            if (remaining.Count == 0) return null;
            if (remaining.Count != batch.Count) batch = Batch.For(kind, remaining);
        }
    }
}
