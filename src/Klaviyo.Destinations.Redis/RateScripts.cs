namespace Klaviyo.Destinations.Redis;

/// <summary>
/// The Lua scripts that keep one endpoint's budget in Redis. Each tier is a sorted set of the times (Redis server time,
/// in microseconds) its last requests were spent; scripts run atomically on the server's clock (<c>TIME</c>), which
/// keeps replicas with skewed clocks honest.
/// <para>
/// The burst tier is a sliding log: no stretched burst window ever holds more requests than the tier allows. The steady
/// tier starts the same way, but Klaviyo counts fixed windows, and a sliding log stretched by a margin drifts against
/// them: under a backlog it repeats its first burst every stretched window, 2 % later each time, and whenever that burst
/// straddles one of Klaviyo's window ends, the window before loses what falls in the margin (up to 12 % of it for a 75/s,
/// 750/min tier). So once <c>RateLimit-Reset</c> has told where Klaviyo's windows end (the phase key, kept as the
/// earliest end any answer allowed: an upper bound, since the header is rounded up to whole seconds and reaches us late),
/// the steady tier counts Klaviyo's own windows instead: a request may be sent while fewer than the tier's limit were
/// spent since the current window began, and those spent in the margin just before it (they may arrive in it) count
/// for both windows.
/// </para>
/// </summary>
internal static class RateScripts
{
    /// <summary>
    /// KEYS: burst set, steady set, pause key, sequence, phase. ARGV: burst capacity, burst window µs (stretched),
    /// steady capacity, steady window µs (stretched), steady window µs (Klaviyo's, unstretched). Returns 0 when a token
    /// was taken, otherwise the microseconds to wait.
    /// </summary>
    public const string Take = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
        local paused = redis.call('PTTL', KEYS[3])
        if paused > 0 then return paused * 1000 end
        local function wait(key, cap, win)
          redis.call('ZREMRANGEBYSCORE', key, '-inf', now - win)
          local n = redis.call('ZCARD', key)
          if n < cap then return 0 end
          local oldest = redis.call('ZRANGE', key, n - cap, n - cap, 'WITHSCORES')
          return tonumber(oldest[2]) + win - now
        end
        local cap, win, window = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
        local steady
        local phase = tonumber(redis.call('GET', KEYS[5]))
        if phase then
          redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - win)
          local start = now - ((now - phase) % window)
          if redis.call('ZCOUNT', KEYS[2], start - (win - window), '+inf') < cap then steady = 0 else steady = start + window - now end
        else
          steady = wait(KEYS[2], cap, win)
        end
        local w = math.max(wait(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2])), steady)
        if w > 0 then return w end
        local id = now .. ':' .. redis.call('INCR', KEYS[4])
        redis.call('ZADD', KEYS[1], now, id)
        redis.call('ZADD', KEYS[2], now, id)
        redis.call('PEXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2]) / 1000) + 1000)
        redis.call('PEXPIRE', KEYS[2], math.ceil(win / 1000) + 1000)
        redis.call('PEXPIRE', KEYS[4], math.ceil(win / 1000) + 1000)
        return 0
        """;

    /// <summary>
    /// A 429: pauses the endpoint for everyone for <c>ARGV[1]</c> milliseconds (never shortens a longer pause). Klaviyo
    /// does not count a refused request, so the steady slot it took is given back (its retry takes one again).
    /// </summary>
    public const string Pause = """
        local ms = tonumber(ARGV[1])
        if redis.call('PTTL', KEYS[3]) < ms then redis.call('SET', KEYS[3], '1', 'PX', ms) end
        redis.call('ZREMRANGEBYRANK', KEYS[2], -1, -1)
        return 0
        """;

    /// <summary>
    /// Klaviyo's <c>RateLimit-Remaining</c> and <c>RateLimit-Reset</c>. KEYS as <see cref="Take"/>; ARGV as
    /// <see cref="Take"/>, then remaining, then the reset in µs (-1 when not sent). The reset moves the phase key to the
    /// earliest window end it allows. When the remaining is lower than the free slots of the steady window (the fixed
    /// window the answer belongs to, once the phase is known; otherwise the sliding one), someone outside these replicas
    /// spends the same quota: the difference is spent here too, for everyone.
    /// </summary>
    public const string Observe = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
        local cap, win, window = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
        local remaining, reset = tonumber(ARGV[6]), tonumber(ARGV[7])
        local phase = tonumber(redis.call('GET', KEYS[5]))
        if reset >= 0 then
          local ends = now + reset
          if phase then
            ends = ends - math.floor((ends - phase) / window + 0.5) * window
            if ends > phase then ends = phase end
          end
          redis.call('SET', KEYS[5], string.format('%.0f', ends), 'PX', math.ceil(4 * win / 1000))
          phase = ends
        end
        redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - win)
        local used
        if phase then
          local start = now - ((now - phase) % window)
          -- only an answer about this window says how much of it is left: its window must end no earlier than this one
          -- (give or take the margin); an answer from the previous one, read late (a busy replica, a slow network), would
          -- otherwise spend this window for nothing
          if reset >= 0 then
            if now + reset < start + window - (win - window) then return 0 end
          elseif now - start < 2 * (win - window) then return 0 end
          used = redis.call('ZCOUNT', KEYS[2], start - (win - window), '+inf')
        else
          used = redis.call('ZCARD', KEYS[2])
        end
        local missing = cap - used - remaining
        for i = 1, missing do
          redis.call('ZADD', KEYS[2], now, now .. ':o' .. redis.call('INCR', KEYS[4]))
        end
        if missing > 0 then redis.call('PEXPIRE', KEYS[2], math.ceil(win / 1000) + 1000) end
        return math.max(missing, 0)
        """;
}
