namespace Klaviyo.Emulator.Faults;

/// <summary>Holds the active <see cref="EmulatorFaults"/> and rolls the dice for each request.</summary>
internal sealed class FaultInjector
{
    private readonly TimeProvider _time;
    private readonly Random _random;
    private readonly Lock _lock = new();
    private EmulatorFaults _faults;

    public FaultInjector(TimeProvider time, EmulatorFaults initial, int? seed)
    {
        _time = time;
        _faults = initial;
        _random = seed is { } s ? new Random(s) : new Random();
    }

    public EmulatorFaults Current
    {
        get
        {
            lock (_lock)
            {
                return _faults;
            }
        }

        set
        {
            lock (_lock)
            {
                _faults = value ?? EmulatorFaults.None;
            }
        }
    }

    /// <summary>Requests that have started waiting on injected latency (lets tests advance a fake clock at the right moment).</summary>
    public int LatencyWaits => Volatile.Read(ref _latencyWaits);

    private int _latencyWaits;

    public async Task DelayAsync(CancellationToken cancellationToken)
    {
        var latency = Current.Latency;
        if (latency <= TimeSpan.Zero)
        {
            return;
        }

        var delay = Task.Delay(latency, _time, cancellationToken);
        Interlocked.Increment(ref _latencyWaits);
        await delay.ConfigureAwait(false);
    }

    /// <summary>Decides what happens to the next request.</summary>
    public FaultOutcome Next()
    {
        lock (_lock)
        {
            var f = _faults;
            var now = _time.GetUtcNow();
            if (f.DownUntil is { } until)
            {
                if (now < until)
                {
                    return f.DownMode == EmulatorDownMode.ConnectionReset
                        ? FaultOutcome.Reset
                        : new FaultOutcome(FaultKind.Down, 503, until - now);
                }

                _faults = f = f with { DownUntil = null };
            }

            if (f.FailNext > 0)
            {
                _faults = f with { FailNext = f.FailNext - 1 };
                return new FaultOutcome(FaultKind.Fail, f.FailureStatusCode, TimeSpan.Zero);
            }

            if (f.ResetRate > 0 && _random.NextDouble() < f.ResetRate)
            {
                return FaultOutcome.Reset;
            }

            if (f.FailureRate > 0 && _random.NextDouble() < f.FailureRate)
            {
                return new FaultOutcome(FaultKind.Fail, f.FailureStatusCode, TimeSpan.Zero);
            }

            return FaultOutcome.None;
        }
    }
}
