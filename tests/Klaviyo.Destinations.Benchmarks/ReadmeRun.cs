using System.Diagnostics;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Klaviyo.Destinations.Benchmarks;

/// <summary>
/// <c>--readme</c>: every figure of the README's Performance tables in one command (an estimated 6–8 minutes on an idle
/// 2-core machine; far longer on a loaded one), in process so no project is built per benchmark. Which class gives which table:
/// <list type="bullet">
/// <item><c>--probe</c> part: "Why, from the profile" (CPU µs and bytes per step) and the caller-side p50/p90/p99;</item>
/// <item><see cref="RealisticMappingBenchmarks"/>: "Mapping" (µs, allocated, ratio to hand-written per category);</item>
/// <item><see cref="RealisticPipelineBenchmarks"/>: "Pipeline to FlushAsync" (ratio to the channel baseline per workload);</item>
/// <item><see cref="ClientBenchmarks"/>: "On the caller's thread";</item>
/// <item><see cref="TrackMappingBenchmarks"/>, <see cref="ProfileMappingBenchmarks"/>: "Cached single-person figures".</item>
/// </list>
/// BenchmarkDotNet writes each class's table to <c>BenchmarkDotNet.Artifacts/results/*-report-github.md</c>.
/// </summary>
public static class ReadmeRun
{
    /// <param name="part">null for everything; or one of <c>probe</c>, <c>mapping</c>, <c>client</c>, <c>pipeline</c> to re-run one part.</param>
    public static int Run(string? part)
    {
        if (part is not (null or "probe" or "mapping" or "client" or "pipeline"))
        {
            Console.Error.WriteLine($"Unknown part '{part}': use --readme alone, or --readme probe|mapping|client|pipeline.");
            return 2;
        }
        var clock = Stopwatch.StartNew();
        if (part is null or "probe")
        {
            Console.WriteLine("== profile (--probe) ==");
            Probe.Run();
            Console.WriteLine($"== profile done after {clock.Elapsed:mm\\:ss} ==");
        }

        // Short, in-process jobs: enough iterations for the ratios (each baseline runs in the same job), not a build per class.
        // BenchmarkDotNet's forced full GC before each iteration stays on: without it, collections of the 20,000-person
        // heap land inside measured iterations (on a loaded machine that made some figures 10× worse).
        var mapping = Job.Default.WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(7).WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(250));
        // The caller-side class drains after each 10,000-call iteration (IterationCleanup), so the invocation count is fixed.
        var client = mapping.WithInvocationCount(10_000).WithUnrollFactor(1);
        // One invocation = 10,000 calls through a new Analytics to FlushAsync.
        var pipeline = Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithStrategy(RunStrategy.Monitoring)
            .WithLaunchCount(1).WithWarmupCount(1).WithIterationCount(7);

        var failed = false;
        foreach (var (name, job, types) in new (string, Job, Type[])[]
        {
            ("mapping", mapping, [typeof(RealisticMappingBenchmarks), typeof(TrackMappingBenchmarks), typeof(ProfileMappingBenchmarks)]),
            ("client", client, [typeof(ClientBenchmarks)]),
            ("pipeline", pipeline, [typeof(RealisticPipelineBenchmarks)]),
        })
        {
            if (part is not null && part != name) continue;
            // The classes carry no job attribute (one would run beside this job, not instead of it).
            var config = DefaultConfig.Instance.AddJob(job).WithUnionRule(ConfigUnionRule.AlwaysUseGlobal);
            foreach (var summary in BenchmarkRunner.Run(types, config))
                failed |= summary.HasCriticalValidationErrors || summary.Reports.Any(r => !r.Success);
        }
        Console.WriteLine($"== README set done in {clock.Elapsed:mm\\:ss} ==");
        return failed ? 1 : 0;
    }
}
