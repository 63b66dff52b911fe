namespace Klaviyo.Destinations;

/// <summary>
/// Waiters for "every item up to a sequence is finished" (<see cref="IEventQueue.WhenFinishedAsync"/>), released when the
/// queue publishes a new lowest unfinished sequence. The queue decides under its own lock whether a waiter is needed at
/// all and adds it there, so a publication cannot slip between the check and the add.
/// </summary>
internal sealed class WatermarkWaiters
{
    private readonly Lock _gate = new();
    private readonly List<(long UpTo, TaskCompletionSource Done)> _waiters = new();

    public Task Add(long upTo, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate) _waiters.Add((upTo, done));
        return done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Releases every waiter whose sequence is below <paramref name="lowestUnfinished"/>.</summary>
    public void Release(long lowestUnfinished)
    {
        List<TaskCompletionSource>? ready = null;
        lock (_gate)
        {
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].UpTo >= lowestUnfinished) continue;
                (ready ??= new()).Add(_waiters[i].Done);
                _waiters.RemoveAt(i);
            }
        }
        if (ready is not null) foreach (var waiter in ready) waiter.TrySetResult();
    }

    public void FailAll(Exception error)
    {
        List<TaskCompletionSource> waiting;
        lock (_gate)
        {
            waiting = [.. _waiters.Select(w => w.Done)];
            _waiters.Clear();
        }
        foreach (var waiter in waiting) waiter.TrySetException(error);
    }
}
