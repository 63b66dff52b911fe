namespace Klaviyo.Destinations;

/// <summary>
/// The request budget of one Klaviyo endpoint, shared by every batch sent there. It holds two token buckets, the
/// burst (per second) and the steady (per minute) tier; a request needs a token from both. A spent token comes back
/// one window after it was spent, so no window of that length ever holds more requests than the tier allows, which
/// keeps the sender under Klaviyo's fixed windows however they are aligned (a token bucket refilling continuously
/// would allow twice the tier across a window boundary). Windows are stretched by a small margin for network jitter.
/// <para>
/// Klaviyo counts a request when it arrives, which can be long after its token was taken (a new connection, a cold
/// process, a busy machine). So the sender takes a tracked slot (<see cref="IEndpointBudget.AcquireSlotAsync"/>): it
/// counts in every window while the request is in flight, and once the answer is back
/// (<see cref="IEndpointBudget.Finished"/>) for one window from the answer; Klaviyo counted the request somewhere in
/// between, so every window it may have landed in sees it. A request refused with 429 gives its slot back (Klaviyo does
/// not count it). An untracked token (<see cref="TryTake()"/>, <see cref="AcquireAsync(CancellationToken)"/>) counts from its take.
/// </para>
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
    private readonly HashSet<long> _inFlight = [];
    private long _nextSlot;
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

    /// <summary>Takes a token counted from now if one is free now; otherwise returns how long to wait before trying again.</summary>
    public TimeSpan TryTake() => TryTake(tracked: false, out _);

    /// <summary>
    /// Takes a token if one is free now; otherwise returns how long to wait before trying again. A
    /// <paramref name="tracked"/> token gets a <paramref name="slot"/> (from 1) that counts as in flight until
    /// <see cref="IEndpointBudget.Finished"/>; an untracked one (slot 0) counts from now.
    /// </summary>
    public TimeSpan TryTake(bool tracked, out long slot)
    {
        slot = 0;
        var now = _time.GetUtcNow().UtcTicks;
        lock (_gate)
        {
            var inFlight = _inFlight.Count;
            var wait = Math.Max(_pausedUntil - now, Math.Max(_burst.WaitTicks(now, inFlight), _steady.WaitTicks(now, inFlight)));
            if (wait > 0) return TimeSpan.FromTicks(wait);
            if (tracked)
            {
                slot = ++_nextSlot;
                _inFlight.Add(slot);
            }
            else
            {
                _burst.Spend(now);
                _steady.Spend(now);
            }
            return TimeSpan.Zero;
        }
    }

    /// <summary>Waits for a token counted from its take (on the bucket's <see cref="TimeProvider"/>).</summary>
    public async ValueTask AcquireAsync(CancellationToken cancellationToken) => await AcquireAsync(tracked: false, cancellationToken).ConfigureAwait(false);

    private async ValueTask<long> AcquireAsync(bool tracked, CancellationToken cancellationToken)
    {
        while (true)
        {
            var wait = TryTake(tracked, out var slot);
            if (wait <= TimeSpan.Zero) return slot;
            await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    ValueTask<long> IEndpointBudget.AcquireSlotAsync(CancellationToken cancellationToken) => AcquireAsync(tracked: true, cancellationToken);

    /// <summary>
    /// The request of <paramref name="slot"/> is over: it counts for one window from now (Klaviyo counted it no later
    /// than its answer), or is given back when Klaviyo refused it with 429 (<paramref name="counted"/> false).
    /// </summary>
    public void Finished(long slot, bool counted)
    {
        var now = _time.GetUtcNow().UtcTicks;
        lock (_gate)
        {
            // Out of flight either way; it counts from now in both tiers only when Klaviyo counted it.
            if (!_inFlight.Remove(slot) || !counted) return;
            _burst.Spend(now);
            _steady.Spend(now);
        }
    }

    /// <summary>Tokens free now (the fewer of the two tiers; for tests and diagnostics).</summary>
    public int Available
    {
        get
        {
            var now = _time.GetUtcNow().UtcTicks;
            lock (_gate) return Math.Min(_burst.Free(now, _inFlight.Count), _steady.Free(now, _inFlight.Count));
        }
    }

    /// <summary>Requests whose slot is taken and whose answer is not back yet (for tests and diagnostics).</summary>
    public int InFlight
    {
        get { lock (_gate) return _inFlight.Count; }
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
            var expected = _steady.Free(now, _inFlight.Count);
            for (var missing = expected - Math.Max(remaining, 0); missing > 0; missing--)
            {
                _steady.Spend(now);
            }
        }
    }

    private static TimeSpan Stretch(TimeSpan window, double scale) => TimeSpan.FromTicks((long)(window.Ticks / scale * (1 + Margin)));

    /// <summary>
    /// One tier: a ring of the times requests were spent or answered, oldest first (each counts until one window after its
    /// time). The bucket's requests in flight count in every window on top of them (passed in as <c>inFlight</c>).
    /// </summary>
    private sealed class Window(int capacity, TimeSpan length)
    {
        private readonly long[] _spent = new long[Math.Max(capacity, 1)];
        private int _head;
        private int _count;

        public long Length { get; } = Math.Max(length.Ticks, 1);

        /// <summary>
        /// 0 when a request may be sent now; otherwise until the oldest entry that must expire for one to be free does.
        /// When the requests in flight alone fill the tier, a quarter window (one of them may be refused and given back).
        /// </summary>
        public long WaitTicks(long now, int inFlight)
        {
            Expire(now);
            var over = inFlight + _count - _spent.Length;
            if (over < 0) return 0;
            if (over >= _count) return Math.Max(Length / 4, 1);
            return _spent[(_head + over) % _spent.Length] + Length - now;
        }

        public int Free(long now, int inFlight)
        {
            Expire(now);
            return Math.Max(_spent.Length - inFlight - _count, 0);
        }

        public void Spend(long now)
        {
            Expire(now);
            // Kept in order even if the clock stepped back, so that the oldest entry is always at the head.
            var at = _count > 0 ? Math.Max(now, _spent[(_head + _count - 1) % _spent.Length]) : now;
            if (_count < _spent.Length)
            {
                _spent[(_head + _count) % _spent.Length] = at;
                _count++;
            }
            else
            {
                _spent[_head] = at;
                _head = (_head + 1) % _spent.Length;
            }
        }

        private void Expire(long now)
        {
            while (_count > 0 && _spent[_head] + Length <= now)
            {
                _head = (_head + 1) % _spent.Length;
                _count--;
            }
        }
    }
}
