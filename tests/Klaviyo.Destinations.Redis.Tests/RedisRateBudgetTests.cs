using Klaviyo.Destinations.Redis.Tests.Support;
using Klaviyo.Emulator;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Klaviyo.Destinations.Redis.Tests;

/// <summary>
/// The shared rate budget against a real redis-server: replicas are separate connections (as separate processes have).
/// Windows are stretched (time scale 0.01: a burst window lasts about 100 s) so that nothing expires during a test.
/// </summary>
public sealed class RedisRateBudgetTests : IAsyncLifetime
{
    private const string Endpoint = "/api/events";
    private const double SlowTime = 0.01;
    private RedisServer _redis = null!;
    private readonly List<IConnectionMultiplexer> _connections = [];

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var connection in _connections) await connection.DisposeAsync();
        await _redis.DisposeAsync();
    }

    private async Task<IConnectionMultiplexer> ConnectAsync()
    {
        var options = ConfigurationOptions.Parse(_redis.Configuration);
        options.BacklogPolicy = BacklogPolicy.FailFast;
        var connection = await ConnectionMultiplexer.ConnectAsync(options);
        _connections.Add(connection);
        return connection;
    }

    private async Task<RedisRateBudget> ReplicaAsync(string apiKey = "pk_replica_test_key", TimeProvider? time = null, KlaviyoRedisOptions? options = null) =>
        new(await ConnectAsync(), apiKey, SlowTime, options, time: time);

    [RedisFact]
    public async Task Replicas_together_never_take_more_than_the_tier_allows()
    {
        var tier = new KlaviyoRateTier(3, 100);
        var a = await ReplicaAsync();
        var b = await ReplicaAsync();

        Assert.Equal(TimeSpan.Zero, await a.TryTakeSharedAsync(Endpoint, tier, default));
        Assert.Equal(TimeSpan.Zero, await b.TryTakeSharedAsync(Endpoint, tier, default));
        Assert.Equal(TimeSpan.Zero, await a.TryTakeSharedAsync(Endpoint, tier, default));

        // Three taken between them: both now wait for the first token to come back (one stretched burst window).
        var waitA = await a.TryTakeSharedAsync(Endpoint, tier, default);
        var waitB = await b.TryTakeSharedAsync(Endpoint, tier, default);
        foreach (var wait in new[] { waitA, waitB })
        {
            Assert.NotNull(wait);
            Assert.InRange(wait.Value, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(1 / SlowTime * 1.03));
        }
        Assert.False(a.IsDegraded);
    }

    [RedisFact]
    public async Task A_429_seen_by_one_replica_pauses_that_endpoint_for_all()
    {
        var tier = new KlaviyoRateTier(50, 500);
        var a = await ReplicaAsync();
        var b = await ReplicaAsync();
        Assert.Equal(TimeSpan.Zero, await b.TryTakeSharedAsync(Endpoint, tier, default));

        a.Throttled(Endpoint, tier, TimeSpan.FromSeconds(20));
        await a.TryTakeSharedAsync("/api/profile-import", tier, default); // a round trip on a's connection: the pause was written before it

        var wait = await b.TryTakeSharedAsync(Endpoint, tier, default);
        Assert.NotNull(wait);
        Assert.InRange(wait.Value, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(20));
        // Other endpoints have their own budgets.
        Assert.Equal(TimeSpan.Zero, await b.TryTakeSharedAsync("/api/profile-import", tier, default));
    }

    [RedisFact]
    public async Task RateLimit_Remaining_below_what_the_replicas_spent_is_spent_for_all()
    {
        var tier = new KlaviyoRateTier(100, 10);
        var a = await ReplicaAsync();
        var b = await ReplicaAsync();
        Assert.Equal(TimeSpan.Zero, await a.TryTakeSharedAsync(Endpoint, tier, default));

        // Klaviyo says 4 left where the replicas expect 9: another client uses the account; 5 are spent for everyone.
        a.Observe(Endpoint, tier, 4);
        await a.TryTakeSharedAsync("/api/profile-import", tier, default);

        for (var i = 0; i < 4; i++) Assert.Equal(TimeSpan.Zero, await b.TryTakeSharedAsync(Endpoint, tier, default));
        Assert.True(await b.TryTakeSharedAsync(Endpoint, tier, default) > TimeSpan.Zero);
    }

    [RedisFact]
    public async Task Once_Klaviyo_says_when_its_window_ends_the_replicas_wait_for_that_end_not_a_whole_sliding_window()
    {
        var tier = new KlaviyoRateTier(100, 10);
        var a = await ReplicaAsync();
        var b = await ReplicaAsync();
        for (var i = 0; i < 10; i++) Assert.Equal(TimeSpan.Zero, await a.TryTakeSharedAsync(Endpoint, tier, default));

        // Not knowing Klaviyo's windows, the steady tier is a sliding window: the slots come back one (stretched) window later.
        var sliding = await b.TryTakeSharedAsync(Endpoint, tier, default);
        Assert.True(sliding > TimeSpan.FromMinutes(1 / SlowTime * 0.99), $"waited {sliding}");

        // Klaviyo's fixed window ends in 30 s (RateLimit-Reset): everyone waits for that, and the earliest end any answer allows holds.
        a.Observe(Endpoint, tier, 0, TimeSpan.FromSeconds(30));
        a.Observe(Endpoint, tier, 0, TimeSpan.FromSeconds(50));
        await a.TryTakeSharedAsync("/api/profile-import", tier, default); // a round trip on a's connection: the observations were written before it
        var fixedWindow = await b.TryTakeSharedAsync(Endpoint, tier, default);
        Assert.NotNull(fixedWindow);
        Assert.InRange(fixedWindow.Value, TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(30));
    }

    [RedisFact]
    public async Task A_429_gives_back_the_slot_Klaviyo_did_not_count()
    {
        var tier = new KlaviyoRateTier(100, 10);
        var a = await ReplicaAsync();
        for (var i = 0; i < 10; i++) Assert.Equal(TimeSpan.Zero, await a.TryTakeSharedAsync(Endpoint, tier, default));
        var connection = _connections[0];
        var steady = connection.GetServer(connection.GetEndPoints()[0]).Keys(pattern: "*:steady").Single();
        Assert.Equal(10, await connection.GetDatabase().SortedSetLengthAsync(steady));

        // Klaviyo refused one of them (a refused request is not counted): its retry may take that slot again.
        a.Throttled(Endpoint, tier, TimeSpan.FromMilliseconds(1));
        await a.TryTakeSharedAsync("/api/profile-import", tier, default);
        Assert.Equal(9, await connection.GetDatabase().SortedSetLengthAsync(steady));
    }

    /// <summary>
    /// Moves every slot of the endpoint's windows <paramref name="by"/> into the past, as if that much time had passed
    /// (Redis's clock decides the windows, and a test cannot wait for it).
    /// </summary>
    private static async Task AgeAsync(IConnectionMultiplexer connection, TimeSpan by)
    {
        var server = connection.GetServer(connection.GetEndPoints()[0]);
        var database = connection.GetDatabase();
        foreach (var key in server.Keys(pattern: "*:burst").Concat(server.Keys(pattern: "*:steady")))
            foreach (var entry in await database.SortedSetRangeByRankWithScoresAsync(key))
                await database.SortedSetAddAsync(key, entry.Element, entry.Score - by.TotalMicroseconds);
    }

    [RedisFact]
    public async Task A_request_in_flight_keeps_its_slot_until_its_answer_is_back_then_for_one_window()
    {
        // Time compressed 100×: a burst window lasts 10 ms (+50 ms margin), a steady one 0.6 s; one request per second.
        var tier = new KlaviyoRateTier(1, 100);
        var a = new RedisRateBudget(await ConnectAsync(), "pk_replica_test_key", 100);
        var b = new RedisRateBudget(await ConnectAsync(), "pk_replica_test_key", 100);
        var (taken, slot) = await a.TryTakeAsync(Endpoint, tier, tracked: true, default);
        Assert.Equal(TimeSpan.Zero, taken);
        Assert.True(slot > 0);

        // Long after a burst window, the request has still not been answered (a cold replica, a slow network): it may
        // reach Klaviyo in the window the others would now fill, so its slot still counts.
        await AgeAsync(_connections[0], TimeSpan.FromSeconds(2));
        var (wait, _) = await b.TryTakeAsync(Endpoint, tier, tracked: true, default);
        Assert.NotNull(wait);
        Assert.True(wait > TimeSpan.Zero, "A slot in flight was counted as spent long ago.");
        Assert.True(wait <= TimeSpan.FromMilliseconds(60), $"A wait caused by a request in flight is asked again soon, not after {wait}.");

        // The answer is back: the slot counts for one window from now, then frees.
        a.Finished(Endpoint, tier, slot, counted: true);
        (wait, _) = await a.TryTakeAsync(Endpoint, tier, tracked: true, default); // a's round trip: Finished reached Redis before it
        Assert.True(wait > TimeSpan.Zero);
        await AgeAsync(_connections[0], TimeSpan.FromSeconds(2));
        var (again, next) = await b.TryTakeAsync(Endpoint, tier, tracked: true, default);
        Assert.Equal(TimeSpan.Zero, again);

        // A request Klaviyo refused (429) is not counted there: its slot is given back at once, in both windows.
        b.Finished(Endpoint, tier, next, counted: false);
        var (free, _) = await b.TryTakeAsync(Endpoint, tier, tracked: false, default);
        Assert.Equal(TimeSpan.Zero, free);
    }

    [RedisFact]
    public async Task An_untracked_slot_counts_from_the_moment_it_was_taken()
    {
        var tier = new KlaviyoRateTier(1, 100);
        var a = new RedisRateBudget(await ConnectAsync(), "pk_replica_test_key", 100);
        Assert.Equal(TimeSpan.Zero, await a.TryTakeSharedAsync(Endpoint, tier, default));
        Assert.True(await a.TryTakeSharedAsync(Endpoint, tier, default) > TimeSpan.Zero);
        await AgeAsync(_connections[0], TimeSpan.FromSeconds(2));
        Assert.Equal(TimeSpan.Zero, await a.TryTakeSharedAsync(Endpoint, tier, default));
    }

    [RedisFact]
    public async Task The_sender_hands_every_slot_back_when_its_request_is_over_and_gives_back_a_429s()
    {
        await using var klaviyo = await KlaviyoEmulator.StartAsync(new KlaviyoEmulatorOptions { RateLimitsEnabled = true });
        klaviyo.FailNext(1, 429);
        using var host = await IdentifyThroughSenderAsync(klaviyo, "pk_slot_test_key");
        Assert.Single(klaviyo.State.Profiles);
        Assert.Equal(1, klaviyo.Counters.Get("POST /api/profile-import", 429));
        await host.Services.GetRequiredService<KlaviyoRedisBudgets>().Made[0].TryTakeSharedAsync("/api/lists", new KlaviyoRateTier(75, 750), default);
        await host.StopAsync();

        // Two requests reached Klaviyo; it counted one. The refused one's slot was given back, and the accepted one is no
        // longer in flight: it counts from its answer, which came before now.
        var connection = await ConnectAsync();
        var server = connection.GetServer(connection.GetEndPoints()[0]);
        var now = ((await server.TimeAsync()) - DateTime.UnixEpoch).Ticks / 10;
        foreach (var tierKey in new[] { "burst", "steady" })
        {
            var key = server.Keys(pattern: $"*api-profile-import*:{tierKey}").Single();
            var slots = await connection.GetDatabase().SortedSetRangeByRankWithScoresAsync(key);
            var slot = Assert.Single(slots);
            Assert.True(slot.Score <= now, $"The {tierKey} slot is still counted as in flight ({slot.Score - now} µs ahead).");
        }
    }

    /// <summary>A started host (in-memory queue, low latency, the Redis budget) that has sent one identify to <paramref name="klaviyo"/>.</summary>
    private async Task<IHost> IdentifyThroughSenderAsync(KlaviyoEmulator klaviyo, string apiKey)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Klaviyo:ApiKey"] = apiKey,
            ["Klaviyo:BaseUrl"] = klaviyo.BaseAddress.ToString(),
            ["Klaviyo:QueueStorage"] = "Memory",
            ["Klaviyo:CheckKeyAtStartup"] = "false",
            ["Klaviyo:DeliveryMode"] = "LowLatency",
            ["Klaviyo:Redis:Configuration"] = _redis.Configuration,
        });
        var section = builder.Configuration.GetSection("Klaviyo");
        builder.Services.AddKlaviyoDestinations(section);
        builder.Services.AddKlaviyoRedis(section);
        var host = builder.Build();
        await host.StartAsync();
        var analytics = host.Services.GetRequiredService<Analytics>();
        Assert.True(await analytics.IdentifyAsync("person-1", new Dictionary<string, object?> { ["email"] = "person-1@example.com" }));
        await analytics.FlushAsync();
        return host;
    }

    [RedisFact]
    public async Task Klaviyo_s_RateLimit_Reset_reaches_the_shared_budget_through_the_sender()
    {
        await using var klaviyo = await KlaviyoEmulator.StartAsync(new KlaviyoEmulatorOptions { RateLimitsEnabled = true });
        using var host = await IdentifyThroughSenderAsync(klaviyo, "pk_reset_test_key");
        Assert.Single(klaviyo.State.Profiles);
        // A round trip on the sender's connection (all its budgets share one): what it wrote when the answer came is in Redis before it.
        await host.Services.GetRequiredService<KlaviyoRedisBudgets>().Made[0].TryTakeSharedAsync("/api/lists", new KlaviyoRateTier(75, 750), default);
        await host.StopAsync();

        // The answer's RateLimit-Reset told every replica where Klaviyo's steady window ends (within the minute).
        var connection = await ConnectAsync();
        var server = connection.GetServer(connection.GetEndPoints()[0]);
        var phase = server.Keys(pattern: "*api-profile-import*:phase").Single();
        var end = (long)await connection.GetDatabase().StringGetAsync(phase);
        var now = ((await server.TimeAsync()) - DateTime.UnixEpoch).Ticks / 10;
        Assert.InRange(end - now, -TimeSpan.FromMinutes(1).TotalMicroseconds, TimeSpan.FromMinutes(1.1).TotalMicroseconds);
    }

    [RedisFact]
    public async Task Each_account_has_its_own_budget_and_its_key_never_reaches_Redis()
    {
        var tier = new KlaviyoRateTier(1, 10);
        var tenantA = await ReplicaAsync("pk_tenant_a_0123456789secret");
        var tenantB = await ReplicaAsync("pk_tenant_b_0123456789secret");
        Assert.Equal(TimeSpan.Zero, await tenantA.TryTakeSharedAsync(Endpoint, tier, default));
        Assert.True(await tenantA.TryTakeSharedAsync(Endpoint, tier, default) > TimeSpan.Zero);
        Assert.Equal(TimeSpan.Zero, await tenantB.TryTakeSharedAsync(Endpoint, tier, default));

        var connection = _connections[0];
        var keys = connection.GetServer(connection.GetEndPoints()[0]).Keys(pattern: "*").Select(k => k.ToString()).ToList();
        Assert.NotEmpty(keys);
        Assert.All(keys, key => Assert.DoesNotContain("tenant", key, StringComparison.Ordinal));
        Assert.All(keys, key => Assert.DoesNotContain("secret", key, StringComparison.Ordinal));
        Assert.Contains(keys, key => key.Contains(AccountKey.Of("pk_tenant_a_0123456789secret"), StringComparison.Ordinal));
        Assert.Contains(keys, key => key.Contains(AccountKey.Of("pk_tenant_b_0123456789secret"), StringComparison.Ordinal));
    }

    [RedisFact]
    public async Task Without_Redis_a_replica_paces_itself_with_its_fallback_share_says_so_and_shares_again_when_Redis_is_back()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = new KlaviyoRedisOptions { FallbackShare = 0.25, RetryInterval = TimeSpan.FromSeconds(1) };
        var connection = await ConnectAsync();
        var budget = new RedisRateBudget(connection, "pk_fallback_key", 1, options, time: clock);
        var tier = new KlaviyoRateTier(8, 800);
        var health = new KlaviyoRedisHealthCheck(new FixedBudgets(budget));
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(new HealthCheckContext())).Status);

        var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.ConnectionFailed += (_, e) => { if (e.ConnectionType == ConnectionType.Interactive) lost.TrySetResult(); };
        await _redis.KillAsync();
        await lost.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // A quarter of 8/s: two requests at once, the third waits for the local window.
        await budget.AcquireAsync(Endpoint, tier, default).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        await budget.AcquireAsync(Endpoint, tier, default).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        var third = budget.AcquireAsync(Endpoint, tier, default).AsTask();
        Assert.False(third.IsCompleted);
        Assert.True(budget.IsDegraded);
        Assert.Equal(2, budget.FallbackRequests);
        var degraded = await health.CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Degraded, degraded.Status);
        Assert.StartsWith("Redis unreachable for ", degraded.Description, StringComparison.Ordinal);
        Assert.DoesNotContain("pk_fallback_key", degraded.Description, StringComparison.Ordinal);

        clock.Advance(TimeSpan.FromSeconds(1.1));
        await third.WaitAsync(TimeSpan.FromSeconds(30));

        var restored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.ConnectionRestored += (_, e) => { if (e.ConnectionType == ConnectionType.Interactive) restored.TrySetResult(); };
        await _redis.StartAgainAsync();
        await restored.Task.WaitAsync(TimeSpan.FromSeconds(60));
        clock.Advance(options.RetryInterval);
        Assert.Equal(TimeSpan.Zero, await budget.TryTakeSharedAsync(Endpoint, tier, default));
        Assert.False(budget.IsDegraded);
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(new HealthCheckContext())).Status);
    }

    [RedisFact]
    public async Task An_idle_replica_reports_Healthy_again_once_Redis_is_back_without_needing_a_request_to_Klaviyo()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = new KlaviyoRedisOptions { RetryInterval = TimeSpan.FromSeconds(1) };
        var connection = await ConnectAsync();
        var budget = new RedisRateBudget(connection, "pk_idle_key", 1, options, time: clock);
        var tier = new KlaviyoRateTier(8, 800);
        var health = new KlaviyoRedisHealthCheck(new FixedBudgets(budget));

        var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.ConnectionFailed += (_, e) => { if (e.ConnectionType == ConnectionType.Interactive) lost.TrySetResult(); };
        await _redis.KillAsync();
        await lost.Task.WaitAsync(TimeSpan.FromSeconds(30));
        // The last request before going idle finds Redis gone.
        await budget.AcquireAsync(Endpoint, tier, default).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(HealthStatus.Degraded, (await health.CheckHealthAsync(new HealthCheckContext())).Status);

        var restored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.ConnectionRestored += (_, e) => { if (e.ConnectionType == ConnectionType.Interactive) restored.TrySetResult(); };
        await _redis.StartAgainAsync();
        await restored.Task.WaitAsync(TimeSpan.FromSeconds(60));

        // Within the retry interval the check does not ask Redis (a probe per health request would load it during an outage)…
        Assert.Equal(HealthStatus.Degraded, (await health.CheckHealthAsync(new HealthCheckContext())).Status);
        // …after it, the check itself finds Redis answering: no request to Klaviyo was needed.
        clock.Advance(options.RetryInterval);
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(new HealthCheckContext())).Status);
        Assert.False(budget.IsDegraded);
        Assert.Equal(1, budget.FallbackRequests);
    }

    [RedisFact]
    public async Task With_the_only_Redis_server_down_every_endpoint_falls_back_each_reported_once_and_shares_again_once_it_is_back()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = new KlaviyoRedisOptions { RetryInterval = TimeSpan.FromSeconds(1) };
        var connection = await ConnectAsync();
        var warnings = new WarningCount();
        var budget = new RedisRateBudget(connection, "pk_all_down_key", SlowTime, options, warnings, clock);
        var health = new KlaviyoRedisHealthCheck(new FixedBudgets(budget), time: clock);
        var tier = new KlaviyoRateTier(400, 40_000);
        string[] endpoints = ["/api/events", "/api/profile-import", "/api/event-bulk-create-jobs"];
        foreach (var endpoint in endpoints) Assert.True(await budget.AcquireSlotAsync(endpoint, tier, default) > 0);

        var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.ConnectionFailed += (_, e) => { if (e.ConnectionType == ConnectionType.Interactive) lost.TrySetResult(); };
        await _redis.KillAsync();
        await lost.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // One server holds every endpoint: each one's next request finds it gone and is paced locally, and so are the next ones.
        for (var round = 0; round < 3; round++)
        {
            foreach (var endpoint in endpoints) Assert.Equal(0, await budget.AcquireSlotAsync(endpoint, tier, default).AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
        }
        Assert.Equal(endpoints.Order(StringComparer.Ordinal), budget.DegradedEndpoints.Select(e => e.Endpoint).Order(StringComparer.Ordinal));
        Assert.Equal(3 * endpoints.Length, budget.FallbackRequests);
        Assert.Equal(endpoints.Length, warnings.Count);
        var report = await health.CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Degraded, report.Status);
        Assert.StartsWith("Redis unreachable for ", report.Description, StringComparison.Ordinal);
        Assert.InRange(report.Description!.Length, 1, RedisBudgetHealth.MaxDescription);
        Assert.All(endpoints, e => Assert.Contains(e, report.Description, StringComparison.Ordinal));
        Assert.All(endpoints, e => Assert.Contains(e + " since ", (string)report.Data["endpoints"], StringComparison.Ordinal));

        var restored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.ConnectionRestored += (_, e) => { if (e.ConnectionType == ConnectionType.Interactive) restored.TrySetResult(); };
        await _redis.StartAgainAsync();
        await restored.Task.WaitAsync(TimeSpan.FromSeconds(60));
        clock.Advance(options.RetryInterval);
        foreach (var endpoint in endpoints) Assert.True(await budget.AcquireSlotAsync(endpoint, tier, default) > 0);
        Assert.False(budget.IsDegraded);
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(new HealthCheckContext())).Status);
    }

    /// <summary>Counts the budget's "Redis is unreachable" warnings (event 2001).</summary>
    private sealed class WarningCount : Microsoft.Extensions.Logging.ILogger
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id == 2001) Interlocked.Increment(ref _count);
        }
    }

    private sealed class FixedBudgets(RedisRateBudget budget) : IKlaviyoRedisBudgetSource
    {
        public IReadOnlyList<RedisRateBudget> Made => [budget];
    }
}
