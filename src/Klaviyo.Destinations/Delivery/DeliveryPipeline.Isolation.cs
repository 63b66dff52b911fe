namespace Klaviyo.Destinations;

/// <summary>
/// Poison isolation: one item Klaviyo answers 5xx for (a server error its content triggers) must not take its batch
/// with it. A batch answered 5xx <see cref="PoisonSplitAfter"/> times in a row is halved and both halves are sent at
/// once as probes (a probe's send is not an attempt of its items). The half that fails while its sibling is accepted
/// holds the culprit and is halved again, until the failing item is alone; every item of an accepted half is settled as
/// usual. The lone item then goes on being retried like any item and, past <c>MaxAttempts</c>, is dead-lettered with
/// Klaviyo's last answer. When both halves fail, the failure is not one item's (an outage, or several bad items): the
/// halves are put back together and retried with backoff, as before, so an outage costs two extra requests per retry,
/// never a request per item.
/// </summary>
internal sealed partial class DeliveryPipeline
{
    /// <summary>Consecutive 5xx answers after which a batch is bisected.</summary>
    internal const int PoisonSplitAfter = 2;

    /// <summary>
    /// Bisects <paramref name="failing"/>; returns what must still be retried (the lone culprit, or the re-joined halves
    /// when both failed) with the last answer, or null when every item got its outcome.
    /// </summary>
    private async Task<(Batch? Suspect, BatchResult Answer)> IsolateAsync(Batch failing, BatchResult answer, Stack<Batch> work, CancellationToken token)
    {
        var kind = failing.Items[0].Kind;
        var suspect = failing;
        while (suspect.Count > 1)
        {
            var half = suspect.Count / 2;
            var (left, leftAnswer) = await ProbeAsync(Batch.For(kind, suspect.Items.GetRange(0, half)), work, token).ConfigureAwait(false);
            var (right, rightAnswer) = await ProbeAsync(Batch.For(kind, suspect.Items.GetRange(half, suspect.Count - half)), work, token).ConfigureAwait(false);
            if (left is null && right is null) return (null, answer);
            if (left is not null && right is not null)
            {
                var rejoined = Batch.For(kind, [.. left.Items, .. right.Items]);
                rejoined.ServerErrors = suspect.ServerErrors;
                IntegrityLog.IsolationInconclusive(_logger, suspect.ToString(), rejoined.Count);
                return (rejoined, rightAnswer!);
            }
            var next = left ?? right!;
            next.ServerErrors = suspect.ServerErrors;
            answer = (left is null ? rightAnswer : leftAnswer)!;
            suspect = next;
        }
        IntegrityLog.CulpritIsolated(_logger, failing.ToString(), suspect.Items[0].ToString(), answer.Reason);
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
