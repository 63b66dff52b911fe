namespace Klaviyo.Destinations;

/// <summary>
/// Tracks which accepted items are still open, so <c>FlushAsync</c> can wait for exactly the items accepted before it
/// was called, even when later items finish first.
/// </summary>
internal sealed class FlushTracker
{
    private readonly object _gate = new();
    private readonly SortedSet<long> _open = new();
    private readonly List<(long Target, TaskCompletionSource Done)> _waiters = new();
    private long _last;

    public long Open()
    {
        lock (_gate)
        {
            var ticket = ++_last;
            _open.Add(ticket);
            return ticket;
        }
    }

    public int OpenCount
    {
        get { lock (_gate) return _open.Count; }
    }

    /// <summary>The last ticket handed out.</summary>
    public long LastIssued
    {
        get { lock (_gate) return _last; }
    }

    /// <summary>The oldest open ticket; <see cref="long.MaxValue"/> when none is open.</summary>
    public long LowestOpen
    {
        get { lock (_gate) return _open.Count == 0 ? long.MaxValue : _open.Min; }
    }

    public void Close(long ticket)
    {
        List<TaskCompletionSource>? ready = null;
        lock (_gate)
        {
            _open.Remove(ticket);
            var lowestOpen = _open.Count == 0 ? long.MaxValue : _open.Min;
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Target < lowestOpen)
                {
                    (ready ??= new()).Add(_waiters[i].Done);
                    _waiters.RemoveAt(i);
                }
            }
        }
        if (ready is not null) foreach (var done in ready) done.TrySetResult();
    }

    /// <summary>Completes when every ticket opened so far is closed.</summary>
    public Task WhenAllOpenedSoFarClosed(CancellationToken cancellationToken)
    {
        TaskCompletionSource done;
        lock (_gate)
        {
            var target = _last;
            if (_open.Count == 0 || _open.Min > target) return Task.CompletedTask;
            done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((target, done));
        }
        return done.Task.WaitAsync(cancellationToken);
    }
}
