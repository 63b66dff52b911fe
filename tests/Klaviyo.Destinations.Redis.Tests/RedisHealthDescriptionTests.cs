using System.Collections.Concurrent;
using Klaviyo.Destinations.Redis.Tests.Support;
using Klaviyo.Emulator;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Klaviyo.Destinations.Redis.Tests;

/// <summary>
/// The <c>klaviyo-redis</c> health check of a host whose Redis is down: one short line that says what failed, where and
/// for how long; the whole StackExchange.Redis message in the data; the API key nowhere (health, logs, Redis keys).
/// </summary>
public sealed class RedisHealthDescriptionTests
{
    private const string ApiKey = "pk_health_description_secret_key";
    private readonly CancellationToken _timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90)).Token;

    [RedisFact]
    public async Task With_Redis_down_the_health_description_is_one_short_line_and_the_detail_is_in_the_data()
    {
        // With its append-only file: the queue's streams and consumer group survive the restart.
        await using var redis = await RedisServer.StartAsync(appendOnly: true, fsync: "always");
        await using var klaviyo = await KlaviyoEmulator.StartAsync();
        var logs = new CapturedLogs();
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Klaviyo:ApiKey"] = ApiKey,
            ["Klaviyo:BaseUrl"] = klaviyo.BaseAddress.ToString(),
            ["Klaviyo:QueueStorage"] = "Redis",
            ["Klaviyo:CheckKeyAtStartup"] = "false",
            ["Klaviyo:Redis:Configuration"] = redis.Configuration,
            ["Klaviyo:Redis:RetryInterval"] = "00:00:00.200",
            ["Klaviyo:Redis:Queue:Partitions"] = "2",
            ["Klaviyo:Redis:Queue:RetryInterval"] = "00:00:00.200",
            ["Klaviyo:Redis:Queue:PollInterval"] = "00:00:00.100",
        });
        builder.Logging.ClearProviders().AddProvider(logs).SetMinimumLevel(LogLevel.Trace);
        var section = builder.Configuration.GetSection("Klaviyo");
        builder.Services.AddKlaviyoDestinations(section);
        builder.Services.AddKlaviyoRedis(section);
        builder.Services.AddHealthChecks().AddKlaviyoRedis();
        using var host = builder.Build();
        await host.StartAsync(_timeout);
        var health = host.Services.GetRequiredService<HealthCheckService>();
        var analytics = host.Services.GetRequiredService<Analytics>();
        Assert.True(await analytics.TrackAsync("person-1", "Order Placed", new Dictionary<string, object?> { ["n"] = 1 }));
        await analytics.FlushAsync(_timeout);
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(_timeout)).Entries["klaviyo-redis"].Status);

        await redis.KillAsync();
        // Accepted while Redis is down: held in memory; the queue notices the outage when it tries to store it.
        analytics.Track("person-2", "Order Placed", new Dictionary<string, object?> { ["n"] = 2 });
        HealthReportEntry entry;
        using (var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50)))
        {
            while ((entry = (await health.CheckHealthAsync(_timeout)).Entries["klaviyo-redis"]).Status != HealthStatus.Degraded || !Equals(entry.Data.GetValueOrDefault("buffered"), 1))
                await timer.WaitForNextTickAsync(_timeout);
        }

        var description = entry.Description!;
        Assert.Matches(@"^Redis unreachable for \d+ s \((connection refused|connection closed|connection lost|cannot connect|no connection)(: 127\.0\.0\.1:" + redis.Port + @")?\); ", description);
        Assert.DoesNotContain('\n', description);
        Assert.True(description.Length <= 200, $"{description.Length} characters: {description}");
        // The detail is in the data: since when, how many items wait in memory, and the client's own message.
        Assert.IsType<DateTimeOffset>(entry.Data["since"]);
        var error = Assert.IsType<string>(entry.Data["error"]);
        Assert.True(error.Length > description.Length / 4, error);

        // The key appears nowhere: not in the health entry, not in any log line (structured state included).
        Assert.DoesNotContain(ApiKey, description, StringComparison.Ordinal);
        Assert.All(entry.Data.Values, v => Assert.DoesNotContain(ApiKey, v.ToString(), StringComparison.Ordinal));
        Assert.NotEmpty(logs.Lines);
        Assert.All(logs.Lines, l => Assert.DoesNotContain(ApiKey, l, StringComparison.Ordinal));

        // Back: Healthy again, the held item is stored and delivered; no Redis key or value holds the API key.
        await redis.StartAgainAsync();
        using (var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50)))
        {
            while ((await health.CheckHealthAsync(_timeout)).Entries["klaviyo-redis"].Status != HealthStatus.Healthy)
                await timer.WaitForNextTickAsync(_timeout);
        }
        await analytics.FlushAsync(_timeout);
        Assert.Equal(2, klaviyo.State.Events.Count);
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration + ",allowAdmin=true");
        var server = connection.GetServer(connection.GetEndPoints()[0]);
        var keys = server.Keys(pattern: "*").Select(k => k.ToString()).ToList();
        Assert.NotEmpty(keys);
        Assert.All(keys, k => Assert.DoesNotContain(ApiKey, k, StringComparison.Ordinal));
        var db = connection.GetDatabase();
        foreach (var key in keys)
        {
            var dump = await db.KeyDumpAsync(key);
            Assert.True(dump is null || !System.Text.Encoding.UTF8.GetString(dump).Contains(ApiKey, StringComparison.Ordinal), key);
        }
        Assert.All(((string?)await server.ExecuteAsync("CLIENT", "LIST"))!.Split('\n'), c => Assert.DoesNotContain(ApiKey, c, StringComparison.Ordinal));
        await host.StopAsync(_timeout);
        Assert.All(logs.Lines, l => Assert.DoesNotContain(ApiKey, l, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("No connection is active/available to service this operation: EVALSHA 1f0b; SocketClosed on 127.0.0.1:6390/Interactive, Idle/Faulted, last: EVALSHA, origin: ReadFromPipe, outstanding: 0, last-read: 0s ago, last-write: 0s ago, keep-alive: 60s, state: ConnectedEstablished, mgr: 9 of 10 available, in: 0, in-pipe: 0, out-pipe: 0, last-heartbeat: never, last-mbeat: 0s ago, global: 0s ago, v: 3.4.35", "connection closed: 127.0.0.1:6390")]
    [InlineData("UnableToConnect on 127.0.0.1:6390/Interactive, Initializing/NotStarted, last: NONE, origin: BeginConnectAsync, outstanding: 0, last-read: 0s ago, last-write: 0s ago, keep-alive: 60s, state: Connecting, mgr: 10 of 10 available, last-heartbeat: never, global: 0s ago, v: 3.4.35\n ---> System.Net.Sockets.SocketException: Connection refused", "connection refused: 127.0.0.1:6390")]
    [InlineData("Timeout awaiting response (outbound=0KiB, inbound=0KiB, 2015ms elapsed, timeout is 2000ms), command=XADD, next: XADD {klaviyo:queue:ab12:p:3}, inst: 0, qu: 0, qs: 1, aw: False", "no answer within 2000 ms")]
    [InlineData("SocketFailure (ReadSocketError/ConnectionReset, last-recv: 7) on redis-0.redis:6379/Interactive, Idle/MarkProcessed, last: PING", "connection lost: redis-0.redis:6379")]
    [InlineData("No connection is active/available to service this operation: XREADGROUP {klaviyo:queue:8eeb0d56b18c0fc9:p:0}, mc: 1/1/0, clientName: vm(SE.Redis-v3.4.35.20751), IOCP: (Busy=0,Free=1000,Min=1,Max=1000), WORKER: (Busy=5,Free=32762,Min=2,Max=32767), v: 3.4.35.20751", "no connection")]
    [InlineData("UnableToConnect on klaviyo-queue-redis-0.klaviyo-queue-redis-headless.production.svc.cluster.local:6379/Interactive, Initializing/NotStarted", "cannot connect: klaviyo-queue-redis-0.klaviyo-queue-redis-headless.production.s…")]
    [InlineData("NOAUTH Authentication required.", "NOAUTH Authentication required.")]
    [InlineData("ERR unknown command 'XAUTOCLAIM', with args beginning with: '{klaviyo:queue:8eeb0d56b18c0fc9:p:0}' 'klaviyo' 'vm' '5000' '0-0'", "ERR unknown command 'XAUTOCLAIM', with args beginning with: …")]
    public void A_StackExchange_Redis_message_is_summarized_in_a_few_words_with_the_endpoint(string message, string expected) =>
        Assert.Equal(expected, RedisFailureText.Summarize(message));

    /// <summary>Every log line, formatted, with its structured state's values.</summary>
    private sealed class CapturedLogs : ILoggerProvider, ILogger
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public IReadOnlyCollection<string> Lines => _lines;

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
            _lines.Enqueue($"{formatter(state, exception)} | {values} | {exception}");
        }

        public void Dispose()
        {
        }
    }
}
