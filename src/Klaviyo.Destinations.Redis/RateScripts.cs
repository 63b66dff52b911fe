namespace Klaviyo.Destinations.Redis;

/// <summary>
/// The Lua scripts that keep one endpoint's budget in Redis. Each tier is a sorted set of the times (Redis server time,
/// in microseconds) its last requests were spent; a request needs a free slot in both the burst and the steady window,
/// so no window of that length ever holds more requests than the tier allows, whatever the number of replicas. Using
/// the server's clock (<c>TIME</c>) keeps replicas with skewed clocks honest; scripts run atomically.
/// </summary>
internal static class RateScripts
{
    /// <summary>
    /// KEYS: burst set, steady set, pause key, sequence. ARGV: burst capacity, burst window µs, steady capacity, steady
    /// window µs. Returns 0 when a token was taken, otherwise the microseconds to wait.
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
        local w = math.max(wait(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2])), wait(KEYS[2], tonumber(ARGV[3]), tonumber(ARGV[4])))
        if w > 0 then return w end
        local id = now .. ':' .. redis.call('INCR', KEYS[4])
        redis.call('ZADD', KEYS[1], now, id)
        redis.call('ZADD', KEYS[2], now, id)
        redis.call('PEXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2]) / 1000) + 1000)
        redis.call('PEXPIRE', KEYS[2], math.ceil(tonumber(ARGV[4]) / 1000) + 1000)
        redis.call('PEXPIRE', KEYS[4], math.ceil(tonumber(ARGV[4]) / 1000) + 1000)
        return 0
        """;

    /// <summary>A 429: pauses the endpoint for everyone for <c>ARGV[1]</c> milliseconds (never shortens a longer pause).</summary>
    public const string Pause = """
        local ms = tonumber(ARGV[1])
        if redis.call('PTTL', KEYS[3]) < ms then redis.call('SET', KEYS[3], '1', 'PX', ms) end
        return 0
        """;

    /// <summary>
    /// Klaviyo's <c>RateLimit-Remaining</c>: when it is lower than the free slots of the steady window, someone outside
    /// these replicas spends the same quota; the difference is spent here too, for everyone.
    /// </summary>
    public const string Observe = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
        local win = tonumber(ARGV[4])
        redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - win)
        local missing = tonumber(ARGV[3]) - redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[5])
        for i = 1, missing do
          redis.call('ZADD', KEYS[2], now, now .. ':o' .. redis.call('INCR', KEYS[4]))
        end
        if missing > 0 then redis.call('PEXPIRE', KEYS[2], math.ceil(win / 1000) + 1000) end
        return math.max(missing, 0)
        """;
}
