using System.Diagnostics;
using Klaviyo.Destinations.Redis.Tests.Support;
using Klaviyo.Emulator;
using Xunit.Abstractions;

namespace Klaviyo.Destinations.Redis.Tests.ScaleOut;

/// <summary>
/// Redis dies in the middle of a four-replica backfill (SIGKILL, no persistence) and comes back: the replicas keep
/// sending, each paced locally with a quarter of every tier, say so, share the budget again once Redis answers, and
/// every person arrives.
/// </summary>
public sealed class RedisOutageScenarioTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Replicas = 4;
    private const int People = 2400;
    private const double TimeScale = 12;
    private const string Endpoint = "POST /api/profile-import";
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("klaviyo-redis-outage-");
    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _redis.DisposeAsync();
        _work.Delete(recursive: true);
    }

    [RedisFact]
    public async Task Replicas_keep_delivering_through_a_Redis_outage_report_it_and_share_the_budget_again_after()
    {
        await using var klaviyo = await KlaviyoEmulator.StartAsync(new KlaviyoEmulatorOptions { RateLimitsEnabled = true, TimeScale = TimeScale });
        var file = Path.Combine(_work.FullName, "people.ndjson");
        File.WriteAllLines(file, Enumerable.Range(1, People).Select(i =>
            $$$"""{"type":"identify","userId":"person-{{{i}}}","traits":{"email":"person-{{{i}}}@example.com"}}"""));

        // Redis is killed when the first replica checkpoints (an inotify event) and started again as soon as a
        // replica reports that it paces itself locally.
        using var watcher = new FileSystemWatcher(_work.FullName, "*.checkpoint") { EnableRaisingEvents = true };
        var checkpointed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        watcher.Created += (_, _) => checkpointed.TrySetResult();
        watcher.Renamed += (_, _) => checkpointed.TrySetResult();
        var degraded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var recovered = 0;
        var replicas = Enumerable.Range(1, Replicas).Select(k => Replica.StartWatched(_work.FullName, line =>
        {
            if (line.Contains("Redis is unreachable", StringComparison.Ordinal)) degraded.TrySetResult();
            if (line.Contains("Redis answers again", StringComparison.Ordinal)) Interlocked.Increment(ref recovered);
        },
            "send", file, "--base-url", klaviyo.BaseAddress.ToString(), "--api-key", "pk_outage_test", "--quiet", "--restart",
            "--shard", $"{k}/{Replicas}", "--checkpoint-every", "100", "--no-batch", "--redis", _redis.Configuration,
            "--set", $"RateLimitTimeScale={TimeScale}", "--set", "MaxAttempts=50")).ToList();

        await checkpointed.Task.WaitAsync(TimeSpan.FromMinutes(3));
        await _redis.KillAsync();
        var killedAt = klaviyo.State.Profiles.Count;
        await degraded.Task.WaitAsync(TimeSpan.FromMinutes(2));
        await _redis.StartAgainAsync();

        foreach (var (process, text) in replicas)
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(4));
            await process.WaitForExitAsync(cancel.Token);
            string all;
            lock (text) all = text.ToString();
            Assert.True(process.ExitCode == 0, all);
            process.Dispose();
        }

        var refused = klaviyo.Counters.Get(Endpoint, 429);
        var total = klaviyo.Counters.Total(Endpoint);
        output.WriteLine($"{killedAt} of {People} delivered when Redis was killed; {refused} of {total} requests answered 429 ({refused / (double)total:P2}); {recovered} reports of Redis answering again");
        Assert.InRange(killedAt, 1, People - 1);
        Assert.Equal(People, klaviyo.State.Profiles.Count);
        Assert.True(recovered >= 1, "No replica reported that Redis answers again.");
    }
}
