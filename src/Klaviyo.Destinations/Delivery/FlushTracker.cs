namespace Klaviyo.Destinations;

/// <summary>
/// Tracks which accepted items are still open, so <c>FlushAsync</c> can wait for exactly the items accepted before it
/// was called, even when later items finish first. Tickets are opened in increasing order; a circular array of
/// "closed" flags and a low-water mark make open and close O(1) and allocation-free.
/// </summary>
internal sealed class FlushTracker
{
    private readonly object _gate = new();
    private readonly List<(long Target, TaskCompletionSource Done)> _waiters = new();
    private bool[] _closed = new bool[1024];
    private long _lowestOpen = 1;
    private long _last;
    private int _open;

    public long Open()
    {
        lock (_gate)
        {
            var ticket = ++_last;
            if (ticket - _lowestOpen >= _closed.Length) Grow();
            _closed[ticket % _closed.Length] = false;
            _open++;
            return ticket;
        }
    }

    public int OpenCount
    {
        get { lock (_gate) return _open; }
    }

    /// <summary>The last ticket handed out.</summary>
    public long LastIssued
    {
        get { lock (_gate) return _last; }
    }

    /// <summary>The oldest open ticket; <see cref="long.MaxValue"/> when none is open.</summary>
    public long LowestOpen
    {
        get { lock (_gate) return _open == 0 ? long.MaxValue : _lowestOpen; }
    }

    private void Grow()
    {
        var bigger = new bool[_closed.Length * 2];
        for (var t = _lowestOpen; t <= _last; t++) bigger[t % bigger.Length] = _closed[t % _closed.Length];
        _closed = bigger;
    }

    public void Close(long ticket)
    {
        List<TaskCompletionSource>? ready = null;
        lock (_gate)
        {
            if (ticket < _lowestOpen || ticket > _last || _closed[ticket % _closed.Length]) return;
            _closed[ticket % _closed.Length] = true;
            _open--;
            if (ticket != _lowestOpen) return;
            while (_lowestOpen <= _last && _closed[_lowestOpen % _closed.Length]) _lowestOpen++;
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Target < _lowestOpen)
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
            if (_lowestOpen > target) return Task.CompletedTask;
            done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((target, done));
        }
        return done.Task.WaitAsync(cancellationToken);
    }
}
