using Klaviyo.Destinations.Redis.Tests.Support;
using Klaviyo.Emulator;
using Xunit.Abstractions;

namespace Klaviyo.Destinations.Redis.Tests.ScaleOut;

/// <summary>
/// Four <c>klaviyo-dest send --shard K/4</c> processes backfill one file together against the emulator enforcing
/// Klaviyo's real tiers, 6× time-compressed. Each line is one identify sent alone (<c>--no-batch</c>: one
/// <c>POST /api/profile-import</c> per person, 75/s burst, 750/m steady), so the steady tier is the ceiling (bulk
/// requests would not do: a rate-limited backlog coalesces into ever larger jobs). With <c>--redis</c> the four share
/// one budget: they fill the steady windows and are (almost) never refused. Without it, each paces itself alone and
/// the 429 share that causes is measured. The fill is measured on the emulator's fixed windows, whatever their phase
/// against the start of the run: a budget that only keeps a sliding window (stretched by its jitter margin) drifts
/// against them and leaves some windows up to 12 % short, which is why the shared budget learns where they end.
/// <para>
/// It runs alone (its own collection, parallelization off): it measures throughput, and on a 2-core machine the
/// project's other multi-process tests running beside it would measure their CPU use instead.
/// </para>
/// </summary>
[Collection(nameof(SharedBudgetScenarioTests))]
public sealed class SharedBudgetScenarioTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Replicas = 4;
    // Over five steady windows of work: the fill is the mean of the four or five windows wholly inside the run, so the
    // first full window (it also counts the slots spent in the margin at the very end of the start-up window, which may
    // reach Klaviyo after the turn) weighs a quarter at most. Time runs 6× faster than Klaviyo's (a steady window lasts
    // 10 s): the four replicas need 75 requests/s between them, which a loaded 2-core machine still serves; at 12× a
    // run at load average 60-80 left windows starved of CPU (83.4 %), however the budget paced them.
    private const int People = 4000;
    private const double TimeScale = 6;
    private const int SteadyLimit = 750;
    private const string Endpoint = "POST /api/profile-import";
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
        output.WriteLine($"shared budget: {shared.Accepted} requests accepted, {shared.Refused} answered 429 ({shared.RefusedShare:P2}); steady windows filled to {shared.Fill:P1} of the ceiling");
        output.WriteLine($"each replica alone: {alone.Accepted} requests accepted, {alone.Refused} answered 429 ({alone.RefusedShare:P2}); steady windows filled to {alone.Fill:P1} of the ceiling");

        Assert.True(shared.Fill >= 0.95, $"The replicas filled only {shared.Fill:P1} of the steady tier's windows.");
        // The goal is <= 1 % (docs/scale-out.md). Slots counted from their take let a cold replica's late requests land
        // in full burst windows (0-1.53 % refused); counted until their answers are back, runs measured 0 %.
        Assert.True(shared.RefusedShare <= 0.01, $"{shared.RefusedShare:P2} of the shared-budget requests were answered 429.");
        Assert.True(alone.RefusedShare > 5 * Math.Max(shared.RefusedShare, 0.002), $"Without the shared budget only {alone.RefusedShare:P2} were answered 429.");
    }

    private async Task<Result> RunAsync(bool useRedis)
    {
        await using var klaviyo = await KlaviyoEmulator.StartAsync(new KlaviyoEmulatorOptions { RateLimitsEnabled = true, TimeScale = TimeScale });
        var file = Path.Combine(_work.FullName, useRedis ? "shared.ndjson" : "alone.ndjson");
        File.WriteAllLines(file, Enumerable.Range(1, People).Select(i =>
            $$$"""{"type":"identify","userId":"person-{{{i}}}","traits":{"email":"person-{{{i}}}@example.com","first_name":"P{{{i}}}"}}"""));
        var processes = Enumerable.Range(1, Replicas).Select(k =>
        {
            var args = new List<string>
            {
                "send", file, "--base-url", klaviyo.BaseAddress.ToString(), "--api-key", "pk_scale_out_test", "--quiet", "--restart",
                "--shard", $"{k}/{Replicas}", "--checkpoint-every", "100000",
                "--no-batch", "--set", $"RateLimitTimeScale={TimeScale}", "--set", "MaxAttempts=50",
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
        Assert.Equal(People, state.Profiles.Count);
        var refused = klaviyo.Counters.Get(Endpoint, 429);
        var accepted = klaviyo.Counters.Total(Endpoint) - refused;
        Assert.Equal(People, accepted);   // each line sent by exactly one of the shards
        var created = state.Profiles.Select(p => p.Created).ToList();
        var window = (long)(TimeSpan.FromMinutes(1).Ticks / TimeScale);
        output.WriteLine($"{(useRedis ? "shared" : "alone")}: {(created.Max() - created.Min()).TotalSeconds:0.0} s; accepted per steady window: " +
            string.Join(", ", created.GroupBy(t => t.UtcTicks / window).OrderBy(g => g.Key).Select(g => g.Count())));
        var throttled = state.RejectedRequests.Where(r => r.Status == 429).Select(r => r.Time).ToList();
        if (throttled.Count > 0)
        {
            // Where the refusals fell: seconds after the first acceptance, by the emulator's (compressed) burst windows.
            var burst = (long)(TimeSpan.FromSeconds(1).Ticks / TimeScale);
            var start = created.Min();
            output.WriteLine($"{(useRedis ? "shared" : "alone")}: 429s per burst window (s after the first acceptance: refused/accepted in that window): " +
                string.Join(", ", throttled.GroupBy(t => t.UtcTicks / burst).OrderBy(g => g.Key).Take(40).Select(g =>
                    $"{(new DateTimeOffset(g.Key * burst, TimeSpan.Zero) - start).TotalSeconds:0.00}: {g.Count()}/{created.Count(c => c.UtcTicks / burst == g.Key)}")));
        }
        return new Result(accepted, refused, Fill(created));
    }

    /// <summary>
    /// How full the emulator's steady windows were: requests accepted (profiles created) per fixed window, aligned as the
    /// emulator aligns them, over the windows strictly between the first and the last (those two are partly outside the run).
    /// </summary>
    private static double Fill(IReadOnlyList<DateTimeOffset> accepted)
    {
        var window = (long)(TimeSpan.FromMinutes(1).Ticks / TimeScale);
        var perWindow = accepted.GroupBy(t => t.UtcTicks / window).ToDictionary(g => g.Key, g => g.Count());
        var first = perWindow.Keys.Min();
        var last = perWindow.Keys.Max();
        Assert.True(last - first >= 2, $"The run spanned only {last - first + 1} steady windows; the fill needs at least one full one.");
        var interior = Enumerable.Range(1, (int)(last - first - 1)).Select(i => perWindow.GetValueOrDefault(first + i)).ToList();
        return interior.Sum() / (double)(interior.Count * SteadyLimit);
    }

    private sealed record Result(long Accepted, long Refused, double Fill)
    {
        public double RefusedShare => Refused / (double)Math.Max(1, Accepted + Refused);
    }
}

/// <summary>Runs <see cref="SharedBudgetScenarioTests"/> after the project's parallel tests, on its own.</summary>
[CollectionDefinition(nameof(SharedBudgetScenarioTests), DisableParallelization = true)]
public sealed class SharedBudgetScenarioCollection;
