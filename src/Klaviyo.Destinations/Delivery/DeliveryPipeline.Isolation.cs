namespace Klaviyo.Destinations;

/// <summary>
/// Poison isolation: items Klaviyo answers 5xx for (a server error their content triggers) must not take their batch
/// with them. A batch answered 5xx <see cref="PoisonSplitAfter"/> times in a row is bisected. Each failing part is
/// halved and its left half sent as a probe (a probe's send is not an attempt of its items): when it is accepted, its
/// items are settled as usual and the right half, which must hold the failure, is halved in turn without being sent;
/// when it fails, the right half is probed too. Every failing half is narrowed down on its own until it is one item:
/// every culprit ends alone. Each culprit is then retried alone like any item and, past <c>MaxAttempts</c>,
/// dead-lettered with Klaviyo's last answer; a culprit found next to an accepted half no longer counts towards an
/// outage (its failures say something about it, not about Klaviyo), so it never pauses delivery for everyone.
/// <para>
/// When both halves of a part fail, the failure may be Klaviyo's (an outage) or two bad items, one in each half: the
/// quarters are probed before deciding. If every quarter fails too, it is taken for an outage: the part's items (and
/// any part not yet narrowed down) are put back together and retried with backoff, so an outage costs 2 + 4 extra
/// requests per retry, never a request per item. Up to three culprits in a part are always told apart this way (four
/// failing quarters need four bad items). At most <see cref="MaxCulprits"/> parts are narrowed down at once; past that,
/// the undecided items are retried together too (a batch that is mostly bad is not taken apart item by item).
/// </para>
/// </summary>
internal sealed partial class DeliveryPipeline
{
    /// <summary>Consecutive 5xx answers after which a batch is bisected.</summary>
    internal const int PoisonSplitAfter = 2;

    /// <summary>The most failing parts (culprits included) one isolation narrows down at once.</summary>
    internal const int MaxCulprits = 16;

    /// <summary>
    /// Bisects <paramref name="failing"/> until every culprit is alone. Returns what the caller must go on retrying with
    /// the answer it got (items put back together after an outage-like failure, or else the first culprit), or null when
    /// every item got its outcome. Further culprits are pushed on <paramref name="work"/>, each alone, or dead-lettered
    /// at once when they have no attempt left.
    /// </summary>
    private async Task<(Batch? Suspect, BatchResult Answer)> IsolateAsync(Batch failing, BatchResult answer, Stack<Batch> work, CancellationToken token)
    {
        var kind = failing.Items[0].Kind;
        var undecided = new Queue<(Batch Part, BatchResult Answer)>();
        undecided.Enqueue((failing, answer));
        var culprits = new List<(Batch Part, BatchResult Answer)>();
        List<(Batch Part, BatchResult Answer)>? together = null;
        while (undecided.TryDequeue(out var entry))
        {
            if (entry.Part.Count == 1)
            {
                culprits.Add(entry);
                continue;
            }
            if (culprits.Count + undecided.Count + 1 > MaxCulprits)
            {
                together = [entry, .. undecided];
                IntegrityLog.TooManyCulprits(_logger, failing.ToString(), culprits.Count + undecided.Count + 1, MaxCulprits, together.Sum(p => p.Part.Count));
                break;
            }
            var (halves, accepted) = await BisectAsync(kind, entry, work, token).ConfigureAwait(false);
            if (accepted)
            {
                foreach (var half in halves) undecided.Enqueue(half);
                continue;
            }
            // Both halves failed: an outage, or bad items on both sides. The quarters tell them apart.
            var quarters = new List<(Batch Part, BatchResult Answer)>();
            var probed = false;
            foreach (var half in halves)
            {
                if (half.Part.Count == 1)
                {
                    quarters.Add(half);
                    continue;
                }
                var (parts, quarterAccepted) = await BisectAsync(kind, half, work, token).ConfigureAwait(false);
                probed = true;
                accepted |= quarterAccepted;
                quarters.AddRange(parts);
            }
            if (probed && !accepted)
            {
                together = [.. quarters, .. undecided];
                IntegrityLog.IsolationInconclusive(_logger, failing.ToString(), entry.Part.ToString(), together.Sum(p => p.Part.Count));
                break;
            }
            foreach (var quarter in quarters) undecided.Enqueue(quarter);
        }

        foreach (var (culprit, reason) in culprits)
            IntegrityLog.CulpritIsolated(_logger, failing.ToString(), culprit.Items[0].ToString(), reason.Reason);
        var retried = new List<(Batch Part, BatchResult Answer)>();
        if (together is { Count: > 0 })
        {
            var rejoined = Batch.For(kind, [.. together.SelectMany(p => p.Part.Items)]);
            rejoined.ServerErrors = failing.ServerErrors;
            retried.Add((rejoined, together[^1].Answer));
        }
        foreach (var (culprit, reason) in culprits)
        {
            culprit.ServerErrors = failing.ServerErrors;
            retried.Add((culprit, reason));
        }
        if (retried.Count == 0) return (null, answer);
        // The first goes on in the caller's retry; the others wait their turn on the work stack, each as it is.
        for (var i = retried.Count - 1; i >= 1; i--)
            await KeepForRetryAsync(retried[i].Part, retried[i].Answer, work, token).ConfigureAwait(false);
        return retried[0];
    }

    /// <summary>
    /// A part that failed while its sibling was accepted: when it is one item, that item is a culprit whose 5xx answers
    /// no longer count towards an outage. (Two single items that both failed are not marked: that may be an outage.)
    /// </summary>
    private static (Batch Part, BatchResult Answer) Confirmed((Batch Part, BatchResult Answer) failed)
    {
        if (failed.Part.Count == 1) failed.Part.Culprit = true;
        return failed;
    }

    private static Batch[] Halves(ItemKind kind, Batch part)
    {
        var half = part.Count / 2;
        return [Batch.For(kind, part.Items.GetRange(0, half)), Batch.For(kind, part.Items.GetRange(half, part.Count - half))];
    }

    /// <summary>
    /// Halves a failing part and returns the halves that fail, and whether one was accepted. The left half is probed
    /// first: when it is accepted, the right one holds the failure and is not sent (it is narrowed down next); otherwise
    /// the right half is probed too.
    /// </summary>
    private async Task<(List<(Batch Part, BatchResult Answer)> Failed, bool Accepted)> BisectAsync(ItemKind kind, (Batch Part, BatchResult Answer) failing, Stack<Batch> work, CancellationToken token)
    {
        var halves = Halves(kind, failing.Part);
        var (left, leftAnswer) = await ProbeAsync(halves[0], work, token).ConfigureAwait(false);
        if (left is null) return ([Confirmed((halves[1], failing.Answer))], true);
        var (right, rightAnswer) = await ProbeAsync(halves[1], work, token).ConfigureAwait(false);
        if (right is null) return ([Confirmed((left, leftAnswer!))], true);
        return ([(left, leftAnswer!), (right, rightAnswer!)], false);
    }

    /// <summary>
    /// A part found by the isolation that is retried later (on the work stack): dead-lettered now when its items have
    /// no attempt (or age) left, with the answer its probe got; otherwise its state is recorded and it waits its turn.
    /// </summary>
    private async Task KeepForRetryAsync(Batch part, BatchResult answer, Stack<Batch> work, CancellationToken token)
    {
        var remaining = GiveUpSpent(part, answer, _time.GetUtcNow());
        if (remaining.Count == 0) return;
        _metrics.Retry(KlaviyoTransport.Name(part.Endpoint), remaining.Count);
        foreach (var item in remaining) await _queue.RecordRetryAsync(item.Item, token).ConfigureAwait(false);
        var kept = remaining.Count == part.Count ? part : Batch.For(part.Items[0].Kind, remaining);
        kept.ServerErrors = part.ServerErrors;
        work.Push(kept);
    }

    /// <summary>
    /// Gives up the items of <paramref name="batch"/> that have used <see cref="KlaviyoDestinationOptions.MaxAttempts"/> or
    /// reached <see cref="KlaviyoDestinationOptions.MaxItemAge"/> (dead letters with Klaviyo's last answer) and returns the rest.
    /// </summary>
    private List<PendingItem> GiveUpSpent(Batch batch, BatchResult answer, DateTimeOffset now)
    {
        var remaining = new List<PendingItem>(batch.Count);
        foreach (var item in batch.Items)
        {
            var age = now - item.FirstSeen;
            if (item.Item.Attempts >= _options.MaxAttempts || age >= _options.MaxItemAge)
                Finish(item, DeliveryStatus.Expired, GaveUpReason(item, age, answer), answer.Field, deadLetter: true);
            else
                remaining.Add(item);
        }
        return remaining;
    }

    private static string GaveUpReason(PendingItem item, TimeSpan age, BatchResult answer) =>
        $"Gave up after {item.Item.Attempts} attempts over {age.TotalSeconds:0.#} s; last answer: {answer.Reason}";

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
