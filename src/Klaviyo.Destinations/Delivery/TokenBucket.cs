namespace Klaviyo.Destinations;

/// <summary>
/// The request budget of one Klaviyo endpoint, shared by every batch sent there. It holds two token buckets, the
/// burst (per second) and the steady (per minute) tier; a request needs a token from both. A spent token comes back
/// one window after it was spent, so no window of that length ever holds more requests than the tier allows, which
/// keeps the sender under Klaviyo's fixed windows however they are aligned (a token bucket refilling continuously
/// would allow twice the tier across a window boundary). Windows are stretched by a small margin for network jitter.
/// The bucket also adapts to what Klaviyo says: a 429 pauses it for the Retry-After, and <c>RateLimit-Remaining</c>
/// lower than the bucket expects (another client using the same account) spends the difference.
/// </summary>
internal sealed class TokenBucket : IEndpointBudget
{
    /// <summary>Share of a window added as a margin for jitter between sending and Klaviyo's clock.</summary>
    internal const double Margin = 0.02;

    private readonly object _gate = new();
    private readonly TimeProvider _time;
    private readonly Window _burst;
    private readonly Window _steady;
    private long _pausedUntil;

    public TokenBucket(KlaviyoRateTier tier, double timeScale, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(tier);
        _time = time;
        var scale = timeScale > 0 ? timeScale : 1;
        _burst = new Window(tier.PerSecond, Stretch(TimeSpan.FromSeconds(1), scale));
        _steady = new Window(tier.PerMinute, Stretch(TimeSpan.FromMinutes(1), scale));
    }

    /// <summary>How long a burst window lasts on this bucket's clock (after time scaling and margin).</summary>
    public TimeSpan BurstWindow => TimeSpan.FromTicks(_burst.Length);

    /// <summary>How long a steady window lasts on this bucket's clock (after time scaling and margin).</summary>
    public TimeSpan SteadyWindow => TimeSpan.FromTicks(_steady.Length);

    /// <summary>Takes a token if one is free now; otherwise returns how long to wait before trying again.</summary>
    public TimeSpan TryTake()
    {
        var now = _time.GetUtcNow().UtcTicks;
        lock (_gate)
        {
            var wait = Math.Max(_pausedUntil - now, Math.Max(_burst.WaitTicks(now), _steady.WaitTicks(now)));
            if (wait > 0) return TimeSpan.FromTicks(wait);
            _burst.Spend(now);
            _steady.Spend(now);
            return TimeSpan.Zero;
        }
    }

    /// <summary>Waits for a token (on the bucket's <see cref="TimeProvider"/>).</summary>
    public async ValueTask AcquireAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var wait = TryTake();
            if (wait <= TimeSpan.Zero) return;
            await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    async ValueTask<long> IEndpointBudget.AcquireSlotAsync(CancellationToken cancellationToken)
    {
        await AcquireAsync(cancellationToken).ConfigureAwait(false);
        return 0;
    }

    /// <inheritdoc />
    void IEndpointBudget.Finished(long slot, bool counted)
    {
    }

    /// <summary>Tokens free now in the steady window (for tests and diagnostics).</summary>
    public int Available
    {
        get
        {
            var now = _time.GetUtcNow().UtcTicks;
            lock (_gate) return Math.Min(_burst.Free(now), _steady.Free(now));
        }
    }

    /// <summary>Klaviyo answered 429: nobody sends to this endpoint until <paramref name="retryAfter"/> has passed (one burst window when Klaviyo did not say).</summary>
    public void Throttled(TimeSpan? retryAfter)
    {
        var now = _time.GetUtcNow().UtcTicks;
        var until = now + (retryAfter is { } wait && wait > TimeSpan.Zero ? wait.Ticks : _burst.Length);
        lock (_gate) _pausedUntil = Math.Max(_pausedUntil, until);
    }

    /// <summary>
    /// Klaviyo's view of the steady window (<c>RateLimit-Remaining</c>): when it has fewer requests left than this
    /// bucket expects, someone else spends the same quota, so the difference is spent here too. <paramref name="reset"/>
    /// (<c>RateLimit-Reset</c>) is not used by this bucket.
    /// </summary>
    public void Observe(int remaining, TimeSpan? reset = null)
    {
        var now = _time.GetUtcNow().UtcTicks;
        lock (_gate)
        {
            var expected = _steady.Free(now);
            for (var missing = expected - Math.Max(remaining, 0); missing > 0; missing--)
            {
                _steady.Spend(now);
            }
        }
    }

    private static TimeSpan Stretch(TimeSpan window, double scale) => TimeSpan.FromTicks((long)(window.Ticks / scale * (1 + Margin)));

    /// <summary>A ring of the times the last <c>capacity</c> tokens were spent.</summary>
    private sealed class Window(int capacity, TimeSpan length)
    {
        private readonly long[] _spent = new long[Math.Max(capacity, 1)];
        private int _head;
        private int _count;

        public long Length { get; } = Math.Max(length.Ticks, 1);

        public long WaitTicks(long now) => _count < _spent.Length ? 0 : _spent[_head] + Length - now;

        public int Free(long now)
        {
            var used = 0;
            for (var i = 0; i < _count; i++)
                if (_spent[(_head + i) % _spent.Length] + Length > now) used++;
            return _spent.Length - used;
        }

        public void Spend(long now)
        {
            if (_count < _spent.Length)
            {
                _spent[(_head + _count) % _spent.Length] = now;
                _count++;
            }
            else
            {
                _spent[_head] = now;
                _head = (_head + 1) % _spent.Length;
            }
        }
    }
}
