namespace Klaviyo.Destinations;

/// <summary>
/// Answers "is this item stored?" for the durable queue. The writer settles commits in sequence order; an item is stored
/// once a settled commit reached its sequence, unless that commit gave it up. One lock, one invariant: every waiter
/// for a sequence up to <c>_upTo</c> has its answer.
/// </summary>
internal sealed class DurabilityWaiters
{
    private readonly Lock _gate = new();
    private readonly PriorityQueue<TaskCompletionSource<bool>, long> _waiters = new();
    private readonly HashSet<long> _failed = new();
    private long _upTo;

    public ValueTask<bool> WhenDurableAsync(long sequence, CancellationToken cancellationToken)
    {
        TaskCompletionSource<bool> done;
        lock (_gate)
        {
            if (sequence <= _upTo) return ValueTask.FromResult(!_failed.Contains(sequence));
            done = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Enqueue(done, sequence);
        }
        return new ValueTask<bool>(done.Task.WaitAsync(cancellationToken));
    }

    /// <summary>Every item up to <paramref name="upTo"/> is processed; those in <paramref name="failed"/> were not kept.</summary>
    public void Settle(long upTo, IReadOnlyCollection<long> failed)
    {
        List<(TaskCompletionSource<bool>, bool)>? ready = null;
        lock (_gate)
        {
            if (_failed.Count > 100_000) _failed.Clear();
            foreach (var seq in failed) _failed.Add(seq);
            _upTo = Math.Max(_upTo, upTo);
            while (_waiters.TryPeek(out var waiter, out var seq) && seq <= _upTo)
            {
                _waiters.Dequeue();
                (ready ??= new()).Add((waiter, !_failed.Contains(seq)));
            }
        }
        if (ready is not null) foreach (var (waiter, ok) in ready) waiter.TrySetResult(ok);
    }

    /// <summary>The queue closed before these items were written: they are not kept.</summary>
    public void AbandonAll()
    {
        List<TaskCompletionSource<bool>> waiting = [];
        lock (_gate)
            while (_waiters.TryDequeue(out var waiter, out _)) waiting.Add(waiter);
        foreach (var waiter in waiting) waiter.TrySetResult(false);
    }
}
