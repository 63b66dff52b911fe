namespace Klaviyo.Destinations;

/// <summary>
/// The "lowest unfinished sequence" of a queue whose items are all in memory: sequences are opened in increasing order
/// and finished in any order. A circular array of "finished" flags (with each item's acceptance time) and the low-water
/// mark make open and finish O(1) and allocation-free; waiters for a sequence are released when the mark passes it.
/// One lock, one invariant: every sequence below <c>_lowest</c> is finished.
/// </summary>
internal sealed class SequenceWatermark
{
    private readonly Lock _gate = new();
    private readonly List<(long UpTo, TaskCompletionSource Done)> _waiters = new();
    private bool[] _finished = new bool[1024];
    private long[] _openedAt = new long[1024];
    private long _lowest = 1;
    private long _last;
    private long _open;
    private Exception? _fault;

    /// <summary>Opens the next sequence, accepted at <paramref name="at"/>, and returns it.</summary>
    public long Open(DateTimeOffset at)
    {
        lock (_gate)
        {
            var seq = ++_last;
            if (seq - _lowest >= _finished.Length) Grow();
            _finished[seq % _finished.Length] = false;
            _openedAt[seq % _finished.Length] = at.UtcTicks;
            _open++;
            return seq;
        }
    }

    private void Grow()
    {
        var finished = new bool[_finished.Length * 2];
        var openedAt = new long[_finished.Length * 2];
        for (var s = _lowest; s <= _last; s++)
        {
            finished[s % finished.Length] = _finished[s % _finished.Length];
            openedAt[s % finished.Length] = _openedAt[s % _finished.Length];
        }
        _finished = finished;
        _openedAt = openedAt;
    }

    /// <summary>Finishes <paramref name="seq"/>; false when it was not open (unknown, or finished already).</summary>
    public bool Finish(long seq)
    {
        List<TaskCompletionSource>? ready = null;
        lock (_gate)
        {
            if (seq < _lowest || seq > _last || _finished[seq % _finished.Length]) return false;
            _finished[seq % _finished.Length] = true;
            _open--;
            if (seq != _lowest) return true;
            while (_lowest <= _last && _finished[_lowest % _finished.Length]) _lowest++;
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].UpTo >= _lowest) continue;
                (ready ??= new()).Add(_waiters[i].Done);
                _waiters.RemoveAt(i);
            }
        }
        if (ready is not null) foreach (var done in ready) done.TrySetResult();
        return true;
    }

    public QueueBacklog Snapshot()
    {
        lock (_gate)
        {
            DateTimeOffset? oldest = _open == 0 ? null : new DateTimeOffset(_openedAt[_lowest % _finished.Length], TimeSpan.Zero);
            return new QueueBacklog(_last, _lowest, _open, oldest);
        }
    }

    /// <summary>Completes when every sequence up to <paramref name="upTo"/> is finished.</summary>
    public Task WhenFinishedAsync(long upTo, CancellationToken cancellationToken)
    {
        TaskCompletionSource done;
        lock (_gate)
        {
            if (_lowest > upTo) return Task.CompletedTask;
            if (_fault is not null) return Task.FromException(_fault);
            done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((upTo, done));
        }
        return done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Ends every wait (and later ones) with <paramref name="fault"/>.</summary>
    public void Fail(Exception fault)
    {
        List<TaskCompletionSource> waiting;
        lock (_gate)
        {
            _fault ??= fault;
            waiting = [.. _waiters.Select(w => w.Done)];
            _waiters.Clear();
        }
        foreach (var waiter in waiting) waiter.TrySetException(fault);
    }
}
