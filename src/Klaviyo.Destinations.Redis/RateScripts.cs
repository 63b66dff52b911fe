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
    /// steady capacity, steady window µs (stretched), steady window µs (Klaviyo's, unstretched), and the longest a
    /// request is counted as in flight, µs (0: the slot is not tracked and counts from now). Returns the microseconds to
    /// wait when no slot is free; otherwise a slot was taken, and the script returns minus its number (or 0 when it is
    /// not tracked).
    /// <para>
    /// A tracked slot is stamped <c>now + in-flight</c>, so it counts in every window until the request is over, and
    /// <see cref="Finish"/> then stamps it with the time the answer came back: Klaviyo counted the request somewhere
    /// between the take and the answer, so a slot counted until one window after the answer covers every window it may
    /// have landed in, however late it arrived. Entries still in flight are not a reason to wait a whole window: the wait
    /// they cause is cut to a quarter of the window and asked again.
    /// </para>
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
          local oldest = tonumber(redis.call('ZRANGE', key, n - cap, n - cap, 'WITHSCORES')[2])
          if oldest > now then return math.ceil(win / 4) end
          return oldest + win - now
        end
        local cap, win, window, flight = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
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
        local seq = redis.call('INCR', KEYS[4])
        local id, stamp = now .. ':' .. seq, now
        if flight > 0 then id, stamp = 't' .. seq, now + flight end
        redis.call('ZADD', KEYS[1], stamp, id)
        redis.call('ZADD', KEYS[2], stamp, id)
        redis.call('PEXPIRE', KEYS[1], math.ceil((tonumber(ARGV[2]) + flight) / 1000) + 1000)
        redis.call('PEXPIRE', KEYS[2], math.ceil((win + flight) / 1000) + 1000)
        redis.call('PEXPIRE', KEYS[4], math.ceil((win + flight) / 1000) + 1000)
        if flight > 0 then return -seq end
        return 0
        """;

    /// <summary>
    /// A tracked request is over. KEYS as <see cref="Take"/>; ARGV: the slot's number, 1 when Klaviyo counted the
    /// request (0 for a 429: Klaviyo does not count a refused request, so the slot is given back in both tiers), burst
    /// window µs, steady window µs (both stretched). A counted slot is stamped with the time now (the answer is back, so
    /// the request reached Klaviyo no later than this) and counts one window from here.
    /// </summary>
    public const string Finish = """
        local id = 't' .. ARGV[1]
        if ARGV[2] ~= '1' then
          redis.call('ZREM', KEYS[1], id)
          redis.call('ZREM', KEYS[2], id)
          return 0
        end
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
        local keep = { math.ceil(tonumber(ARGV[3]) / 1000) + 1000, math.ceil(tonumber(ARGV[4]) / 1000) + 1000 }
        for i = 1, 2 do
          if redis.call('ZADD', KEYS[i], 'XX', 'CH', now, id) > 0 and redis.call('PTTL', KEYS[i]) < keep[i] then
            redis.call('PEXPIRE', KEYS[i], keep[i])
          end
        end
        return 0
        """;

    /// <summary>
    /// A 429: pauses the endpoint for everyone for <c>ARGV[1]</c> milliseconds (never shortens a longer pause). The
    /// refused request's slot is given back by <see cref="Finish"/> when it is tracked; when it is not (ARGV[2] = 1) the
    /// newest steady slot is given back in its place (its retry takes one again).
    /// </summary>
    public const string Pause = """
        local ms = tonumber(ARGV[1])
        if redis.call('PTTL', KEYS[3]) < ms then redis.call('SET', KEYS[3], '1', 'PX', ms) end
        if ARGV[2] == '1' then redis.call('ZREMRANGEBYRANK', KEYS[2], -1, -1) end
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
        local remaining, reset = tonumber(ARGV[7]), tonumber(ARGV[8])
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
