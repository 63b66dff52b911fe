namespace Klaviyo.Destinations;

/// <summary>Test hooks of the durable queue: they let a test force an interleaving or simulate a failing disk.</summary>
public sealed partial class SqliteEventQueue
{
    /// <summary>Group commits that wrote new items (for tests and diagnostics).</summary>
    internal long Commits => Interlocked.Read(ref _commits);

    /// <summary>Tests: called on the writer after it took a round's work from the hand-off, before it waits for the database.</summary>
    internal Action? RoundTaken { get; set; }

    /// <summary>Tests: keeps the writer from reaching the database until the returned handle is disposed.</summary>
    internal async Task<IDisposable> HoldDatabaseAsync()
    {
        await _dbGate.WaitAsync().ConfigureAwait(false);
        return new Releaser(_dbGate);
    }

    private sealed class Releaser(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) gate.Release();
        }
    }

    /// <summary>Runs a PRAGMA on the queue's connection between commits (tests: <c>query_only</c>, <c>max_page_count</c> simulate a read-only or full disk).</summary>
    internal async Task<object?> PragmaAsync(string pragma)
    {
        await _dbGate.WaitAsync().ConfigureAwait(false);
        try { return _db.Pragma($"PRAGMA {pragma};"); }
        finally { _dbGate.Release(); }
    }

    /// <summary>
    /// Completes when everything handed to the queue before the call is processed: the changes committed, each new item
    /// committed or reported as not kept. While the database refuses writes it waits for them to be written.
    /// </summary>
    internal Task WhenWrittenAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopping, this);
            _barriers.Add(done);
        }
        _wake.Set();
        return done.Task;
    }
}
