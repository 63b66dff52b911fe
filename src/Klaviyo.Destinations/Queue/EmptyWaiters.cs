namespace Klaviyo.Destinations;

/// <summary>Waiters for "no item is stored any more" (<see cref="SqliteEventQueue.WaitUntilEmptyAsync"/>, what a drain waits for).</summary>
internal sealed class EmptyWaiters
{
    private readonly Lock _gate = new();
    private readonly List<TaskCompletionSource> _waiters = new();

    public Task Add(CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate) _waiters.Add(done);
        return done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Releases every waiter when <paramref name="isEmpty"/> holds (checked under the lock, so a later waiter is not released early).</summary>
    public void ReleaseIf(Func<bool> isEmpty)
    {
        List<TaskCompletionSource> ready;
        lock (_gate)
        {
            if (_waiters.Count == 0 || !isEmpty()) return;
            ready = [.. _waiters];
            _waiters.Clear();
        }
        foreach (var waiter in ready) waiter.TrySetResult();
    }

    public void FailAll(Exception error)
    {
        List<TaskCompletionSource> waiting;
        lock (_gate)
        {
            waiting = [.. _waiters];
            _waiters.Clear();
        }
        foreach (var waiter in waiting) waiter.TrySetException(error);
    }
}
