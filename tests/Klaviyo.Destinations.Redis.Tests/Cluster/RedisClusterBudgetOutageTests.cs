using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text.RegularExpressions;
using Klaviyo.Destinations.Redis.Tests.Replicas;
using Klaviyo.Destinations.Redis.Tests.Support;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Klaviyo.Destinations.Redis.Tests.Cluster;

/// <summary>
/// The shared rate budget with one node of a real three-node Redis Cluster down (killed with SIGKILL, then started
/// again): only the endpoints whose keys that node holds fall back to the local bucket, are reported (log once, metric,
/// health) and are tried again every retry interval; the endpoints on the other nodes keep sharing the budget.
/// </summary>
public sealed class RedisClusterBudgetOutageTests
{
    private const double SlowTime = 0.01;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static readonly string[] s_endpoints = ["/api/events", "/api/profile-import", "/api/event-bulk-create-jobs", "/api/profile-bulk-import-jobs", "/api/lists", "/api/profiles"];

    [RedisFact]
    public async Task With_one_node_down_only_its_endpoints_use_the_fallback_and_say_so_and_they_share_again_once_it_is_back()
    {
        // The other nodes would mark the killed one failed after cluster-node-timeout (15 s by default) and the cluster would
        // refuse every command; this test is about the time before that.
        await using var cluster = await RedisClusterServer.StartAsync(settings: new Dictionary<string, string> { ["cluster-node-timeout"] = "60000" });
        await using var connection = await cluster.ConnectAsync();
        var run = Guid.NewGuid().ToString("N")[..8];
        int NodeOf(string apiKey, string endpoint) =>
            cluster.NodeOf(connection, $"klaviyo:rate:{{{AccountKey.Of(apiKey)}:{AccountKey.Slug(endpoint)}}}:steady");
        // An account with endpoints on at least two nodes (each endpoint's keys are one hash slot).
        var apiKey = Enumerable.Range(0, 50).Select(i => $"pk_budget_outage_{i}_{run}").First(k => s_endpoints.Select(e => NodeOf(k, e)).Distinct().Count() > 1);
        var down = NodeOf(apiKey, s_endpoints[0]);
        var onDown = s_endpoints.Where(e => NodeOf(apiKey, e) == down).ToList();
        var elsewhere = s_endpoints.Where(e => NodeOf(apiKey, e) != down).ToList();

        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var options = new KlaviyoRedisOptions { RetryInterval = TimeSpan.FromSeconds(5) };
        var logs = new Logs();
        using var meters = new TestMeterFactory();
        var budget = new RedisRateBudget(connection, apiKey, SlowTime, options, logs, clock, meters);
        var health = new KlaviyoRedisHealthCheck(new FixedBudgets(budget), time: clock);
        var tier = new KlaviyoRateTier(400, 40_000);   // fallback share 0.25: 100 per (stretched) second, more than this test takes
        async Task<long> Take(string endpoint) => await budget.AcquireSlotAsync(endpoint, tier, default).AsTask().WaitAsync(Patience);
        foreach (var endpoint in s_endpoints) Assert.True(await Take(endpoint) > 0, $"{endpoint} shared before the outage");

        var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var downEndpoint = cluster.Nodes[down].Port;
        connection.ConnectionFailed += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Interactive && e.EndPoint is System.Net.IPEndPoint ip && ip.Port == downEndpoint) lost.TrySetResult();
        };
        await cluster.Nodes[down].KillAsync();
        await lost.Task.WaitAsync(Patience);

        // Several requests to every endpoint: the down node's endpoints are paced locally (slot 0), the others still share.
        for (var round = 0; round < 3; round++)
        {
            foreach (var endpoint in onDown) Assert.Equal(0, await Take(endpoint));
            foreach (var endpoint in elsewhere) Assert.True(await Take(endpoint) > 0, $"{endpoint} (on a healthy node) still shared, round {round}");
        }
        Assert.True(budget.IsDegraded);
        Assert.Equal(onDown.Order(StringComparer.Ordinal), budget.DegradedEndpoints.Select(e => e.Endpoint).Order(StringComparer.Ordinal));
        Assert.Equal(3 * onDown.Count, budget.FallbackRequests);
        // Logged once per endpoint for the whole outage, not per request.
        Assert.Equal(onDown.Order(StringComparer.Ordinal), logs.Degraded.Order(StringComparer.Ordinal));

        // The metric, by endpoint.
        var gauge = Gauge(meters);
        foreach (var endpoint in onDown) Assert.Equal(1, gauge[endpoint]);
        foreach (var endpoint in elsewhere) Assert.Equal(0, gauge[endpoint]);

        // Health: one short line naming the endpoints on fallback, and only those; the whole error in the data.
        var report = await health.CheckHealthAsync(new HealthCheckContext());
        Assert.Equal(HealthStatus.Degraded, report.Status);
        Assert.InRange(report.Description!.Length, 1, RedisBudgetHealth.MaxDescription);
        Assert.DoesNotContain('\n', report.Description);
        bool Named(string endpoint) => Regex.IsMatch(report.Description, Regex.Escape(endpoint) + @"(,|\.$| \+)");
        var named = onDown.Where(Named).ToList();
        Assert.NotEmpty(named);
        if (named.Count < onDown.Count) Assert.Contains($"+{onDown.Count - named.Count} more", report.Description, StringComparison.Ordinal);
        Assert.DoesNotContain(elsewhere, Named);
        var full = Assert.IsType<string>(report.Data["endpoints"]);
        foreach (var endpoint in onDown) Assert.Contains(endpoint + " since ", full, StringComparison.Ordinal);
        Assert.DoesNotContain(apiKey, report.Description + full, StringComparison.Ordinal);

        // After the retry interval the down node's endpoints ask Redis again (still down: still local, no new warning).
        clock.Advance(options.RetryInterval);
        foreach (var endpoint in onDown) Assert.Equal(0, await Take(endpoint));
        Assert.Equal(4 * onDown.Count, budget.FallbackRequests);
        Assert.Equal(onDown.Count, logs.Degraded.Count);

        // The node is back: within a retry interval of the fake clock each endpoint shares again, logged once each.
        var restored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Interactive && e.EndPoint is System.Net.IPEndPoint ip && ip.Port == downEndpoint) restored.TrySetResult();
        };
        await cluster.Nodes[down].StartAgainAsync();
        await restored.Task.WaitAsync(Patience);
        // The node may refuse commands for a moment while it rejoins the cluster: ask again, a retry interval later each time.
        await Poll.UntilAsync(async () =>
        {
            clock.Advance(options.RetryInterval);
            foreach (var endpoint in onDown) await Take(endpoint);
            return budget.DegradedEndpoints;
        }, d => d.Count == 0, Patience, d => $"still on fallback: {string.Join(", ", d.Select(e => $"{e.Endpoint} ({e.Reason})"))}");
        foreach (var endpoint in s_endpoints) Assert.True(await Take(endpoint) > 0, $"{endpoint} shared after the outage");
        Assert.False(budget.IsDegraded);
        Assert.Equal(onDown.Order(StringComparer.Ordinal), logs.Recovered.Order(StringComparer.Ordinal));
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(new HealthCheckContext())).Status);
        Assert.All(Gauge(meters).Values, v => Assert.Equal(0, v));
    }

    /// <summary>The <c>klaviyo.redis.degraded</c> gauge of this test's budget, by endpoint.</summary>
    private static Dictionary<string, int> Gauge(TestMeterFactory meters)
    {
        var values = new Dictionary<string, int>(StringComparer.Ordinal);
        using var listener = new MeterListener();
        listener.InstrumentPublished = (i, l) =>
        {
            if (ReferenceEquals(i.Meter.Scope, meters) && i.Name == "klaviyo.redis.degraded") l.EnableMeasurementEvents(i);
        };
        listener.SetMeasurementEventCallback<int>((_, v, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "endpoint") values[(string)tag.Value!] = v;
            }
        });
        listener.Start();
        listener.RecordObservableInstruments();
        return values;
    }

    private sealed class FixedBudgets(RedisRateBudget budget) : IKlaviyoRedisBudgetSource
    {
        public IReadOnlyList<RedisRateBudget> Made => [budget];
    }

    /// <summary>The endpoints named by the budget's "degraded" (2001) and "recovered" (2002) log lines.</summary>
    private sealed class Logs : ILogger
    {
        private readonly ConcurrentQueue<string> _degraded = new();
        private readonly ConcurrentQueue<string> _recovered = new();

        public IReadOnlyList<string> Degraded => [.. _degraded];

        public IReadOnlyList<string> Recovered => [.. _recovered];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var endpoint = state is IReadOnlyList<KeyValuePair<string, object?>> values ? values.FirstOrDefault(v => v.Key == "Endpoint").Value as string : null;
            if (eventId.Id == 2001) _degraded.Enqueue(endpoint ?? "?");
            if (eventId.Id == 2002) _recovered.Enqueue(endpoint ?? "?");
        }
    }
}
