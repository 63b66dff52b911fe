using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Klaviyo.Destinations.Redis;

/// <summary>
/// One Klaviyo account's rate budget kept in Redis and shared by every replica that sends for it: each request takes
/// a slot of the endpoint's burst and steady windows in one atomic script on Redis's clock, a 429 seen by any replica
/// pauses the endpoint for all of them, and a <c>RateLimit-Remaining</c> lower than expected is spent for all.
/// While Redis cannot be reached for an endpoint, that endpoint's requests are paced by a local bucket holding
/// <see cref="KlaviyoRedisOptions.FallbackShare"/> of its tiers; that is logged (once per outage and endpoint), counted
/// (<c>klaviyo.redis.fallback_requests</c>, <c>klaviyo.redis.degraded</c>, both by endpoint) and reported by the health
/// check (<see cref="IsDegraded"/>), and Redis is tried again for that endpoint every <see cref="KlaviyoRedisOptions.RetryInterval"/>.
/// The degradation is per endpoint because each endpoint's keys live in one hash slot: on a Redis Cluster with one node
/// down, only the endpoints whose slots that node holds fall back, and the others keep sharing the budget.
/// </summary>
public sealed class RedisRateBudget : IKlaviyoRateBudget
{
    /// <summary>The meter of this package's instruments.</summary>
    public const string MeterName = "Klaviyo.Destinations.Redis";

    private static readonly Action<ILogger, string, string, Exception?> s_degraded = LoggerMessage.Define<string, string>(LogLevel.Warning, new EventId(2001, "RedisRateBudgetDegraded"),
        "Redis is unreachable for {Endpoint} ({Reason}): this replica now paces that endpoint locally with its fallback share of Klaviyo's rate limits until Redis answers again; other endpoints are not affected unless their Redis node fails too.");
    private static readonly Action<ILogger, string, double, Exception?> s_recovered = LoggerMessage.Define<string, double>(LogLevel.Information, new EventId(2002, "RedisRateBudgetRecovered"),
        "Redis answers again for {Endpoint} after {Seconds:0.#} s: its rate budget is shared by all replicas again.");

    private readonly IConnectionMultiplexer _redis;
    private readonly KlaviyoRedisOptions _options;
    private readonly double _timeScale;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _account;
    private readonly ConcurrentDictionary<string, Endpoint> _endpoints = new(StringComparer.Ordinal);
    private readonly Counter<long>? _fallbackRequests;
    private readonly object _gate = new();

    /// <summary>Creates the budget of the account of <paramref name="apiKey"/> (only a hash of it is used, in key names).</summary>
    /// <param name="redis">The connection (created with <c>abortConnect=false</c> so that it reconnects by itself).</param>
    /// <param name="apiKey">The account's private API key: replicas with the same key share one budget.</param>
    /// <param name="timeScale"><see cref="KlaviyoDestinationOptions.RateLimitTimeScale"/> (1 for Klaviyo).</param>
    /// <param name="options">Key prefix and fallback behaviour.</param>
    /// <param name="logger">Where the fallback is reported.</param>
    /// <param name="time">The clock of waits (tests); Redis's own clock decides the windows.</param>
    /// <param name="meterFactory">Creates the meter of <c>klaviyo.redis.*</c> instruments.</param>
    public RedisRateBudget(IConnectionMultiplexer redis, string? apiKey, double timeScale = 1, KlaviyoRedisOptions? options = null,
        ILogger? logger = null, TimeProvider? time = null, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(redis);
        _redis = redis;
        _options = options ?? new KlaviyoRedisOptions();
        var problems = _options.Problems();
        if (problems.Count > 0) throw new KlaviyoConfigurationException(string.Join(Environment.NewLine, problems));
        _timeScale = timeScale > 0 ? timeScale : 1;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _account = AccountKey.Of(apiKey);
        var meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _fallbackRequests = meter.CreateCounter<long>("klaviyo.redis.fallback_requests", "{request}", "Requests paced by the local fallback bucket because Redis was unreachable.");
        meter.CreateObservableGauge("klaviyo.redis.degraded", Degraded,
            description: "Per endpoint (tag endpoint): 1 while Redis is unreachable for it and this replica paces it locally, 0 while it is shared.");
    }

    /// <summary>True while Redis cannot be reached for at least one endpoint, which this replica then paces locally.</summary>
    public bool IsDegraded
    {
        get { lock (_gate) return _endpoints.Values.Any(e => e.DegradedSince is not null); }
    }

    /// <summary>
    /// Since when Redis has been unreachable (null when it answers for every endpoint), and why: the earliest outage of
    /// the endpoints that are on their fallback now (see <see cref="DegradedEndpoints"/> for each of them).
    /// </summary>
    public (DateTimeOffset? Since, string? Reason) Degradation
    {
        get
        {
            var first = DegradedEndpoints.FirstOrDefault();
            return first.Endpoint is null ? (null, null) : (first.Since, first.Reason);
        }
    }

    /// <summary>The endpoints paced by their local fallback now (Redis unreachable for them), earliest outage first.</summary>
    internal IReadOnlyList<(string Endpoint, DateTimeOffset Since, string Reason)> DegradedEndpoints
    {
        get
        {
            lock (_gate)
            {
                return [.. _endpoints.Values.Where(e => e.DegradedSince is not null)
                    .Select(e => (e.Name, e.DegradedSince!.Value, e.Reason ?? ""))
                    .OrderBy(e => e.Item2).ThenBy(e => e.Name, StringComparer.Ordinal)];
            }
        }
    }

    private IEnumerable<Measurement<int>> Degraded()
    {
        lock (_gate)
        {
            return [.. _endpoints.Values.Select(e => new Measurement<int>(e.DegradedSince is null ? 0 : 1, new KeyValuePair<string, object?>("endpoint", e.Name)))];
        }
    }

    /// <summary>Requests paced locally so far because Redis was unreachable.</summary>
    public long FallbackRequests => Interlocked.Read(ref _fallbackCount);

    private long _fallbackCount;

    /// <summary>
    /// How long a request is counted as in flight at most (see <see cref="AcquireSlotAsync"/>): a replica that dies with
    /// requests in flight holds their slots this long, plus one window, and a request slower than this is counted from
    /// the moment this runs out. Real time (not compressed by the time scale): it bounds network and process delays.
    /// </summary>
    internal static readonly TimeSpan MaxInFlight = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Completes when a slot of the shared budget is spent for one request, counted from now (prefer
    /// <see cref="AcquireSlotAsync"/>, which the sender uses: it counts the request until its answer is back). While Redis
    /// cannot be reached, the local fallback bucket paces the request.
    /// </summary>
    public async ValueTask AcquireAsync(string endpoint, KlaviyoRateTier tier, CancellationToken cancellationToken) =>
        await AcquireAsync(endpoint, tier, tracked: false, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Completes when a slot of the shared budget is spent for one request, and returns it: the slot counts in every
    /// window of both tiers until <see cref="Finished"/> is called for it (at most <see cref="MaxInFlight"/>), then for
    /// one window from the answer. So a request that reaches Klaviyo late (a cold replica's first connection, a busy
    /// machine) cannot land in a window that the other replicas have filled meanwhile. Returns 0 when the request was
    /// paced by the local fallback bucket (Redis unreachable).
    /// </summary>
    public ValueTask<long> AcquireSlotAsync(string endpoint, KlaviyoRateTier tier, CancellationToken cancellationToken) =>
        AcquireAsync(endpoint, tier, tracked: true, cancellationToken);

    private async ValueTask<long> AcquireAsync(string endpoint, KlaviyoRateTier tier, bool tracked, CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (wait, slot) = await TryTakeAsync(endpoint, tier, tracked, cancellationToken).ConfigureAwait(false);
            if (wait is null)
            {
                await For(endpoint, tier).Fallback.AcquireAsync(cancellationToken).ConfigureAwait(false);
                Interlocked.Increment(ref _fallbackCount);
                _fallbackRequests?.Add(1, new KeyValuePair<string, object?>("endpoint", endpoint));
                return 0;
            }
            if (wait.Value <= TimeSpan.Zero) return slot;
            await Task.Delay(wait.Value, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Asks Redis once: <see cref="TimeSpan.Zero"/> when a token of the shared budget was taken (counted from now),
    /// otherwise how long to wait; null when Redis cannot be asked now (the caller paces itself with the local fallback
    /// bucket).
    /// </summary>
    internal async ValueTask<TimeSpan?> TryTakeSharedAsync(string endpoint, KlaviyoRateTier tier, CancellationToken cancellationToken) =>
        (await TryTakeAsync(endpoint, tier, tracked: false, cancellationToken).ConfigureAwait(false)).Wait;

    /// <summary>As <see cref="TryTakeSharedAsync"/>; a tracked take also returns its slot (counted as in flight until <see cref="Finished"/>).</summary>
    internal async ValueTask<(TimeSpan? Wait, long Slot)> TryTakeAsync(string endpoint, KlaviyoRateTier tier, bool tracked, CancellationToken cancellationToken)
    {
        var state = For(endpoint, tier);
        if (tracked) state.Tracked = true;
        if (!TryRedisNow(state)) return (null, 0);
        try
        {
            var result = await _redis.GetDatabase().ScriptEvaluateAsync(RateScripts.Take, state.Keys, tracked ? state.TrackedArguments : state.Arguments)
                .WaitAsync(cancellationToken).ConfigureAwait(false);
            Answered(state);
            var micros = (long)result;
            return micros <= 0 ? (TimeSpan.Zero, -micros) : (TimeSpan.FromMicroseconds(micros), 0);
        }
        catch (Exception ex) when (IsRedisFailure(ex, cancellationToken))
        {
            Failed(state, ex);
            return (null, 0);
        }
    }

    /// <summary>
    /// The request of <paramref name="slot"/> is over: it counts for one window from now (Klaviyo counted it no later
    /// than its answer), or, when Klaviyo refused it with 429 (<paramref name="counted"/> false), its slot is given back.
    /// </summary>
    public void Finished(string endpoint, KlaviyoRateTier tier, long slot, bool counted)
    {
        if (slot <= 0) return;
        var state = For(endpoint, tier);
        FireAndForget(state, RateScripts.Finish, [slot, counted ? 1 : 0, (long)state.BurstWindow.TotalMicroseconds, (long)state.SteadyWindow.TotalMicroseconds]);
    }

    /// <inheritdoc />
    public void Throttled(string endpoint, KlaviyoRateTier tier, TimeSpan? retryAfter)
    {
        var state = For(endpoint, tier);
        state.Fallback.Throttled(retryAfter);
        var ms = retryAfter is { } wait && wait > TimeSpan.Zero ? wait.TotalMilliseconds : state.BurstWindow.TotalMilliseconds;
        // A tracked slot is given back by Finished; an untracked one (AcquireAsync) here, as the newest steady slot.
        FireAndForget(state, RateScripts.Pause, [(long)Math.Ceiling(ms), state.Tracked ? 0 : 1]);
    }

    /// <inheritdoc />
    public void Observe(string endpoint, KlaviyoRateTier tier, int remaining) => Observe(endpoint, tier, remaining, null);

    /// <summary>
    /// Klaviyo's <c>RateLimit-Remaining</c> and <c>RateLimit-Reset</c>: the reset tells all replicas where Klaviyo's
    /// fixed steady windows end, so that the shared budget fills each of them (see <see cref="RateScripts"/>); a
    /// remaining lower than expected is spent for all.
    /// </summary>
    public void Observe(string endpoint, KlaviyoRateTier tier, int remaining, TimeSpan reset) => Observe(endpoint, tier, remaining, (TimeSpan?)reset);

    private void Observe(string endpoint, KlaviyoRateTier tier, int remaining, TimeSpan? reset)
    {
        var state = For(endpoint, tier);
        state.Fallback.Observe(remaining);
        var micros = reset is { } r && r >= TimeSpan.Zero ? (long)r.TotalMicroseconds : -1;
        FireAndForget(state, RateScripts.Observe, [.. state.Arguments, Math.Max(remaining, 0), micros]);
    }

    private void FireAndForget(Endpoint state, string script, RedisValue[] arguments)
    {
        if (!TryRedisNow(state)) return;
        try
        {
            _redis.GetDatabase().ScriptEvaluate(script, state.Keys, arguments, CommandFlags.FireAndForget);
        }
        catch (Exception ex) when (IsRedisFailure(ex, CancellationToken.None))
        {
            Failed(state, ex);
        }
    }

    private Endpoint For(string endpoint, KlaviyoRateTier tier) =>
        _endpoints.GetOrAdd(endpoint, static (name, s) => new Endpoint(s.Self, name, s.Tier), (Self: this, Tier: tier));

    /// <summary>
    /// For each endpoint on its fallback, asks Redis once (a read of one of its keys, so that on a cluster it goes to the
    /// node that holds the endpoint; at most once per <see cref="KlaviyoRedisOptions.RetryInterval"/>) so that a replica
    /// with nothing to send learns that Redis is back: otherwise only its next Klaviyo request would find out, and its
    /// health check would stay <c>Degraded</c> while it is idle. Called by the health check.
    /// </summary>
    internal async Task ProbeIfDegradedAsync(CancellationToken cancellationToken)
    {
        List<Endpoint> due;
        lock (_gate) due = [.. _endpoints.Values.Where(e => e.DegradedSince is not null)];
        await Task.WhenAll(due.Where(TryRedisNow).Select(ProbeAsync)).ConfigureAwait(false);

        async Task ProbeAsync(Endpoint state)
        {
            try
            {
                await _redis.GetDatabase().KeyExistsAsync(state.Keys[2]).WaitAsync(cancellationToken).ConfigureAwait(false);
                Answered(state);
            }
            catch (Exception ex) when (IsRedisFailure(ex, cancellationToken))
            {
                Failed(state, ex);
            }
        }
    }

    /// <summary>Whether to ask Redis now for <paramref name="state"/>'s endpoint: always while it answers; once per retry interval while it does not.</summary>
    private bool TryRedisNow(Endpoint state)
    {
        lock (_gate)
        {
            if (state.DegradedSince is null) return true;
            var now = _time.GetUtcNow();
            if (now < state.NextAttempt) return false;
            state.NextAttempt = now + _options.RetryInterval;
            return true;
        }
    }

    private void Answered(Endpoint state)
    {
        DateTimeOffset since;
        lock (_gate)
        {
            if (state.DegradedSince is null) return;
            since = state.DegradedSince.Value;
            state.DegradedSince = null;
            state.Reason = null;
        }
        s_recovered(_logger, state.Name, (_time.GetUtcNow() - since).TotalSeconds, null);
    }

    private void Failed(Endpoint state, Exception ex)
    {
        var reason = $"{ex.GetType().Name}: {ex.Message}";
        bool first;
        lock (_gate)
        {
            first = state.DegradedSince is null;
            state.DegradedSince ??= _time.GetUtcNow();
            state.Reason = reason;
            state.NextAttempt = _time.GetUtcNow() + _options.RetryInterval;
        }
        if (first) s_degraded(_logger, state.Name, reason, null);
    }

    private static bool IsRedisFailure(Exception ex, CancellationToken cancellationToken) =>
        ex is RedisException or TimeoutException or ObjectDisposedException
        || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    /// <summary>One endpoint: its Redis keys, the script arguments of its tier, its local fallback bucket, and whether it is on it.</summary>
    private sealed class Endpoint
    {
        public Endpoint(RedisRateBudget budget, string name, KlaviyoRateTier tier)
        {
            Name = name;
            var slot = $"{{{budget._account}:{AccountKey.Slug(name)}}}";
            var prefix = $"{budget._options.KeyPrefix}:rate:{slot}";
            Keys = [prefix + ":burst", prefix + ":steady", prefix + ":pause", prefix + ":seq", prefix + ":phase"];
            // The burst window's margin covers the jitter between taking a slot and Klaviyo counting the request, which is
            // absolute: 2 %, but at least 50 ms (2 % of Klaviyo's 1 s burst window is 20 ms, less than a busy network or machine
            // varies by; a burst window compressed 6× lasts 167 ms, and 2 % of it is 3.3 ms). It only slows bursts.
            var burst = TimeSpan.FromTicks(Math.Max(Stretch(TimeSpan.FromSeconds(1), budget._timeScale).Ticks,
                (long)(TimeSpan.FromSeconds(1).Ticks / budget._timeScale) + MinimumBurstMargin.Ticks));
            var steady = Stretch(TimeSpan.FromMinutes(1), budget._timeScale);
            var klaviyoSteady = TimeSpan.FromTicks((long)(TimeSpan.FromMinutes(1).Ticks / budget._timeScale));
            BurstWindow = burst;
            SteadyWindow = steady;
            Arguments = [Math.Max(tier.PerSecond, 1), (long)burst.TotalMicroseconds, Math.Max(tier.PerMinute, 1), (long)steady.TotalMicroseconds, (long)klaviyoSteady.TotalMicroseconds, 0];
            TrackedArguments = [.. Arguments[..5], (long)MaxInFlight.TotalMicroseconds];
            var share = budget._options.FallbackShare;
            var local = new KlaviyoRateTier(Math.Max(1, (int)(tier.PerSecond * share)), Math.Max(1, (int)(tier.PerMinute * share)));
            Fallback = new TokenBucket(local, budget._timeScale, budget._time);
        }

        public string Name { get; }

        public RedisKey[] Keys { get; }

        /// <summary>Since when Redis has been unreachable for this endpoint (null while it answers); under the budget's gate.</summary>
        public DateTimeOffset? DegradedSince { get; set; }

        /// <summary>When to ask Redis again while degraded; under the budget's gate.</summary>
        public DateTimeOffset NextAttempt { get; set; }

        /// <summary>The last failure while degraded; under the budget's gate.</summary>
        public string? Reason { get; set; }

        /// <summary>The <see cref="RateScripts.Take"/> arguments of a slot counted from the take.</summary>
        public RedisValue[] Arguments { get; }

        /// <summary>The <see cref="RateScripts.Take"/> arguments of a slot counted as in flight until its request is over.</summary>
        public RedisValue[] TrackedArguments { get; }

        /// <summary>Whether this replica takes tracked slots for the endpoint (the sender does): a 429's slot is then given back by <see cref="Finished"/>.</summary>
        public bool Tracked { get; set; }

        public TimeSpan BurstWindow { get; }

        /// <summary>The steady window as the scripts count it (time-scaled and stretched by the margin).</summary>
        public TimeSpan SteadyWindow { get; }

        public TokenBucket Fallback { get; }

        private static readonly TimeSpan MinimumBurstMargin = TimeSpan.FromMilliseconds(50);

        private static TimeSpan Stretch(TimeSpan window, double scale) => TimeSpan.FromTicks((long)(window.Ticks / scale * (1 + TokenBucket.Margin)));
    }
}
