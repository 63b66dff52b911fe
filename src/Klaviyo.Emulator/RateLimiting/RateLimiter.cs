using Klaviyo.Emulator.Spec;

namespace Klaviyo.Emulator.RateLimiting;

/// <summary>
/// Fixed-window rate limiting per operation, one account-wide quota as Klaviyo applies to private keys. Each window
/// of the spec (burst per second, steady per minute, daily) lasts <c>window / timeScale</c> on the clock and is
/// aligned to multiples of that length. A throttled request does not consume quota.
/// </summary>
internal sealed class RateLimiter
{
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Operation, string Rule), (long Window, int Count)> _windows = [];
    private double _timeScale;

    public RateLimiter(TimeProvider time, double timeScale, bool enabled)
    {
        _time = time;
        _timeScale = timeScale > 0 ? timeScale : 1;
        Enabled = enabled;
    }

    public bool Enabled { get; set; }

    public double TimeScale
    {
        get => _timeScale;
        set
        {
            lock (_lock)
            {
                _timeScale = value > 0 ? value : 1;
                _windows.Clear();
            }
        }
    }

    /// <summary>A window of the spec as it lasts on the clock.</summary>
    public TimeSpan Scale(TimeSpan emulated) => TimeSpan.FromTicks(Math.Max(1, (long)(emulated.Ticks / _timeScale)));

    public RateLimitDecision Check(OperationSpec operation)
    {
        if (!Enabled || operation.RateLimits.Count == 0)
        {
            return RateLimitDecision.Unlimited;
        }

        var now = _time.GetUtcNow().UtcTicks;
        lock (_lock)
        {
            var retryAfter = TimeSpan.Zero;
            foreach (var rule in operation.RateLimits)
            {
                var (index, count, length) = Current(operation, rule, now);
                if (count >= rule.Limit)
                {
                    var wait = TimeSpan.FromTicks(((index + 1) * length) - now);
                    retryAfter = wait > retryAfter ? wait : retryAfter;
                }
            }

            if (retryAfter > TimeSpan.Zero)
            {
                return new RateLimitDecision(false, retryAfter, 0, 0, TimeSpan.Zero);
            }

            var steady = operation.RateLimits.FirstOrDefault(r => r.Name == "steady") ?? operation.RateLimits[^1];
            var decision = RateLimitDecision.Unlimited;
            foreach (var rule in operation.RateLimits)
            {
                var (index, count, length) = Current(operation, rule, now);
                _windows[(operation.OperationId, rule.Name)] = (index, count + 1);
                if (rule == steady)
                {
                    decision = new RateLimitDecision(true, TimeSpan.Zero, rule.Limit, rule.Limit - count - 1,
                        TimeSpan.FromTicks(((index + 1) * length) - now));
                }
            }

            return decision;
        }
    }

    /// <summary>The windows in use now: operation, tier, requests counted, limit and time until the window resets.</summary>
    public IReadOnlyList<(string Operation, string Tier, int Used, int Limit, TimeSpan ResetsIn)> Usage(IEnumerable<OperationSpec> operations)
    {
        var now = _time.GetUtcNow().UtcTicks;
        var usage = new List<(string, string, int, int, TimeSpan)>();
        lock (_lock)
        {
            foreach (var operation in operations)
            {
                foreach (var rule in operation.RateLimits)
                {
                    var (index, count, length) = Current(operation, rule, now);
                    if (count > 0)
                    {
                        usage.Add((operation.OperationId, rule.Name, count, rule.Limit, TimeSpan.FromTicks(((index + 1) * length) - now)));
                    }
                }
            }
        }

        return usage;
    }

    public void Clear()
    {
        lock (_lock)
        {
            _windows.Clear();
        }
    }

    private (long Index, int Count, long Length) Current(OperationSpec operation, RateLimitRule rule, long now)
    {
        var length = Scale(rule.Window).Ticks;
        var index = now / length;
        return _windows.TryGetValue((operation.OperationId, rule.Name), out var w) && w.Window == index
            ? (index, w.Count, length)
            : (index, 0, length);
    }
}
