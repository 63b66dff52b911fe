using Klaviyo.Destinations.Redis.Tests.Support;
using Klaviyo.Emulator;
using Xunit.Abstractions;

namespace Klaviyo.Destinations.Redis.Tests.ScaleOut;

/// <summary>
/// Four <c>klaviyo-dest send --shard K/4</c> processes backfill one file together against the emulator enforcing
/// Klaviyo's real tiers (time-compressed). Two events per request make every request a bulk create job
/// (<c>POST /api/event-bulk-create-jobs</c>: 10/s burst, 150/m steady), so the steady tier is the ceiling. With
/// <c>--redis</c> the four share one budget: they fill the steady windows and are (almost) never refused. Without it,
/// each paces itself alone and the 429 share it causes is measured.
/// </summary>
public sealed class SharedBudgetScenarioTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Replicas = 4;
    private const int Events = 1800;
    private const double TimeScale = 20;
    private const int SteadyLimit = 150;
    private const string BulkEndpoint = "POST /api/event-bulk-create-jobs";
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("klaviyo-scale-out-");
    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _redis.DisposeAsync();
        _work.Delete(recursive: true);
    }

    [RedisFact]
    public async Task Four_replicas_sharing_the_Redis_budget_fill_the_steady_tier_without_429s_that_they_cause_alone()
    {
        var shared = await RunAsync(useRedis: true);
        var alone = await RunAsync(useRedis: false);
        output.WriteLine($"shared budget: {shared.Accepted} bulk requests accepted, {shared.Refused} answered 429 ({shared.RefusedShare:P2}); steady windows filled to {shared.Fill:P1} of the ceiling");
        output.WriteLine($"each replica alone: {alone.Accepted} bulk requests accepted, {alone.Refused} answered 429 ({alone.RefusedShare:P2}); steady windows filled to {alone.Fill:P1} of the ceiling");

        Assert.True(shared.Fill >= 0.95, $"The replicas filled only {shared.Fill:P1} of the steady tier's windows.");
        Assert.True(shared.RefusedShare <= 0.01, $"{shared.RefusedShare:P2} of the shared-budget requests were answered 429.");
        Assert.True(alone.RefusedShare > 5 * Math.Max(shared.RefusedShare, 0.002), $"Without the shared budget only {alone.RefusedShare:P2} were answered 429.");
    }

    private async Task<Result> RunAsync(bool useRedis)
    {
        await using var klaviyo = await KlaviyoEmulator.StartAsync(new KlaviyoEmulatorOptions { RateLimitsEnabled = true, TimeScale = TimeScale });
        var file = Path.Combine(_work.FullName, useRedis ? "shared.ndjson" : "alone.ndjson");
        // One event per person: every line goes to the shard its person hashes to; two consecutive events of different
        // people share one bulk request.
        File.WriteAllLines(file, Enumerable.Range(1, Events).Select(i =>
            $$"""{"type":"track","userId":"person-{{i}}","event":"Backfilled","properties":{"i":{{i}}},"messageId":"{{(useRedis ? "s" : "a")}}-{{i}}","timestamp":"2026-11-02T10:00:00Z"}"""));
        var processes = Enumerable.Range(1, Replicas).Select(k =>
        {
            var args = new List<string>
            {
                "send", file, "--base-url", klaviyo.BaseAddress.ToString(), "--api-key", "pk_scale_out_test", "--quiet", "--restart",
                "--shard", $"{k}/{Replicas}", "--checkpoint-every", "100000",
                "--set", $"RateLimitTimeScale={TimeScale}", "--set", "FlushCount=2", "--set", "FlushInterval=00:00:05", "--set", "MaxAttempts=50",
            };
            if (useRedis) args.AddRange(["--redis", _redis.Configuration]);
            return Replica.Start(_work.FullName, [.. args]);
        }).ToList();
        foreach (var process in processes)
        {
            var (exitCode, text) = await Replica.FinishAsync(process, TimeSpan.FromMinutes(4));
            Assert.True(exitCode == 0, text);
            process.Dispose();
        }

        var state = klaviyo.State;
        Assert.Equal(Events, state.Events.Select(e => e.UniqueId).Distinct().Count());
        Assert.Equal(Events, state.Events.Count);
        var accepted = klaviyo.Counters.Get(BulkEndpoint, 202);
        var refused = klaviyo.Counters.Get(BulkEndpoint, 429);
        return new Result(accepted, refused, Fill(state.Jobs));
    }

    /// <summary>
    /// How full the emulator's steady windows were: jobs accepted per fixed window (aligned as the emulator aligns them),
    /// over the windows strictly between the first and the last (those two are partly outside the run).
    /// </summary>
    private static double Fill(IReadOnlyList<EmulatedJob> jobs)
    {
        var window = TimeSpan.FromMinutes(1).Ticks / (long)TimeScale;
        var perWindow = jobs.Where(j => j.Type == "event-bulk-create-job").GroupBy(j => j.CreatedAt.UtcTicks / window).ToDictionary(g => g.Key, g => g.Count());
        var first = perWindow.Keys.Min();
        var last = perWindow.Keys.Max();
        Assert.True(last - first >= 3, $"The run spanned only {last - first + 1} steady windows; the fill needs at least two full ones.");
        var interior = Enumerable.Range(1, (int)(last - first - 1)).Select(i => perWindow.GetValueOrDefault(first + i)).ToList();
        return interior.Sum() / (double)(interior.Count * SteadyLimit);
    }

    private sealed record Result(long Accepted, long Refused, double Fill)
    {
        public double RefusedShare => Refused / (double)Math.Max(1, Accepted + Refused);
    }
}
