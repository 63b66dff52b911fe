namespace Klaviyo.Destinations;

/// <summary>
/// Poison isolation: an item Klaviyo answers 5xx for (a server error its content triggers) must not take its batch
/// with it. A batch answered 5xx <see cref="PoisonSplitAfter"/> times in a row is bisected: every failing part is halved
/// and both halves are sent at once as probes (a probe's send is not an attempt of its items); every item of an accepted
/// half is settled as usual; a half that fails is halved again, until each failing part is one item. Those culprits
/// are then retried together like any item and, past <c>MaxAttempts</c>, are dead-lettered with Klaviyo's last answer.
/// When every probe of the first <see cref="BlindLevels"/> levels fails (halves, then quarters), nothing was accepted:
/// the failure is not the items' (an outage), so the parts are put back together and retried with backoff, as before.
/// An outage costs 2 + 4 extra requests per retry, never a request per item; two bad items, one in each half, are found
/// at the quarters.
/// </summary>
internal sealed partial class DeliveryPipeline
{
    /// <summary>Consecutive 5xx answers after which a batch is bisected.</summary>
    internal const int PoisonSplitAfter = 2;

    /// <summary>Levels of bisection tried while no probe has been accepted, before the failure is taken for an outage.</summary>
    internal const int BlindLevels = 2;

    /// <summary>
    /// Bisects <paramref name="failing"/>; returns what must still be retried (the culprits, or the re-joined parts when
    /// nothing was accepted) with the last answer, or null when every item got its outcome.
    /// </summary>
    private async Task<(Batch? Suspect, BatchResult Answer)> IsolateAsync(Batch failing, BatchResult answer, Stack<Batch> work, CancellationToken token)
    {
        var kind = failing.Items[0].Kind;
        var parts = new List<Batch> { failing };
        var accepted = false;
        for (var level = 0; parts.Any(p => p.Count > 1); level++)
        {
            var next = new List<Batch>();
            foreach (var part in parts)
            {
                if (part.Count == 1)
                {
                    next.Add(part);
                    continue;
                }
                var half = part.Count / 2;
                foreach (var probe in new[] { part.Items.GetRange(0, half), part.Items.GetRange(half, part.Count - half) })
                {
                    var (failed, failure) = await ProbeAsync(Batch.For(kind, probe), work, token).ConfigureAwait(false);
                    if (failed is null)
                    {
                        accepted = true;
                        continue;
                    }
                    next.Add(failed);
                    answer = failure!;
                }
            }
            parts = next;
            if (parts.Count == 0) return (null, answer);
            if (!accepted && level + 1 >= BlindLevels) break;
        }
        var suspect = Batch.For(kind, [.. parts.SelectMany(p => p.Items)]);
        suspect.ServerErrors = failing.ServerErrors;
        if (!accepted)
        {
            IntegrityLog.IsolationInconclusive(_logger, failing.ToString(), suspect.Count);
            return (suspect, answer);
        }
        foreach (var culprit in suspect.Items) IntegrityLog.CulpritIsolated(_logger, failing.ToString(), culprit.ToString(), answer.Reason);
        return (suspect, answer);
    }

    /// <summary>Sends a probe until it is settled (rejections named by Klaviyo are settled and the rest re-sent) or fails.</summary>
    private async Task<(Batch? Failed, BatchResult? Answer)> ProbeAsync(Batch probe, Stack<Batch> work, CancellationToken token)
    {
        Batch? current = probe;
        while (current is not null)
        {
            var sent = current;
            current = await SendOnceAsync(sent, work, token, probing: true).ConfigureAwait(false);
            if (sent.ProbeFailure is { } failure)
            {
                sent.ProbeFailure = null;
                return (sent, failure);
            }
        }
        return (null, null);
    }
}
