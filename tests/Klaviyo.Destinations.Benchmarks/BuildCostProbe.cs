using System.Diagnostics;

namespace Klaviyo.Destinations.Benchmarks;

/// <summary>
/// <c>--build-cost [reps] [folder]</c>: the <see cref="BuildCostBenchmarks"/> scenarios (a 300-model app, one build after an edit
/// that touches no model) measured in <em>process CPU time</em>, alternating without/with the package in every
/// repetition. On a shared machine wall-clock time mostly measures waiting for a core; CPU time is the work a quiet
/// machine would do (an upper bound of its wall time on one core; analyzers run concurrently, so two cores finish
/// sooner). Prints each repetition, the medians, the package's added CPU per build, and each analyzer's own execution
/// time (Roslyn's analyzer telemetry). With a folder holding another build of the generator and analyzers (e.g. the
/// previous commit's, built with <c>build-cost.sh</c>'s <c>PREVIOUS=</c>), that build is measured in the same run too.
/// </summary>
public static class BuildCostProbe
{
    public static void Run(int repetitions, string? previousBuild)
    {
        var bench = new BuildCostBenchmarks { Models = 300 };
        bench.Setup();
        var previous = previousBuild is null ? null : new BuildCostBenchmarks { Models = 300, AnalyzerDirectory = Path.GetFullPath(previousBuild) };
        previous?.Setup();
        // Warm-up: JIT of the compiler, the generator and every analyzer.
        bench.WithoutPackage();
        bench.WithPackage();
        previous?.WithPackage();

        var without = new List<double>();
        var with = new List<double>();
        var withPrevious = new List<double>();
        var generatorOnly = new List<double>();
        var analyzersOnly = new List<double>();
        Console.WriteLine($"# {bench.Models} models, {repetitions} repetitions, CPU seconds per build after an edit; {Environment.ProcessorCount} cores, load {Load()}");
        Console.WriteLine("rep  without  with-package  generator-only  analyzers-only" + (previous is null ? "" : "  with-previous-build"));
        for (var rep = 1; rep <= repetitions; rep++)
        {
            // Rotate the order so a change of load during a repetition hits every side.
            var runs = new List<(List<double> Into, Action Build)>
            {
                (without, () => bench.WithoutPackage()),
                (with, () => bench.WithPackage()),
            };
            if (previous is not null) runs.Add((withPrevious, () => previous.WithPackage()));
            for (var i = 0; i < runs.Count; i++)
            {
                var (into, build) = runs[(i + rep) % runs.Count];
                into.Add(Cpu(build));
            }
            generatorOnly.Add(Cpu(() => bench.GeneratorOnly()));
            analyzersOnly.Add(Cpu(() => bench.AnalyzersOnly()));
            Console.WriteLine($"{rep,3}  {without[^1],7:0.000}  {with[^1],12:0.000}  {generatorOnly[^1],14:0.000}  {analyzersOnly[^1],14:0.000}"
                + (previous is null ? "" : $"  {withPrevious[^1],19:0.000}"));
        }
        var added = with.Zip(without, (w, o) => w - o).ToList();
        Console.WriteLine($"median CPU s: without {Median(without):0.000}, with {Median(with):0.000}, added {Median(added):0.000} (min {added.Min():0.000}, max {added.Max():0.000}); generator only {Median(generatorOnly):0.000}, analyzers only {Median(analyzersOnly):0.000}");
        if (previous is not null)
        {
            var addedPrevious = withPrevious.Zip(without, (w, o) => w - o).ToList();
            Console.WriteLine($"previous build ({previousBuild}): with {Median(withPrevious):0.000}, added {Median(addedPrevious):0.000} (min {addedPrevious.Min():0.000}, max {addedPrevious.Max():0.000})");
        }
        Console.WriteLine($"load after: {Load()}");

        Console.WriteLine("# each analyzer alone over the edited app, CPU seconds (median of 3; includes the analyzer driver's own work for it)");
        foreach (var analyzer in bench.Analyzers)
        {
            var alone = System.Collections.Immutable.ImmutableArray.Create(analyzer);
            bench.AnalyzersOnly(alone);
            var times = Enumerable.Range(0, 3).Select(_ => Cpu(() => bench.AnalyzersOnly(alone))).ToList();
            Console.WriteLine($"{Median(times),8:0.000} s  {analyzer.GetType().Name}");
        }
        Console.WriteLine("# analyzer execution time (Roslyn telemetry, one run over the app with its generated code)");
        foreach (var (name, time) in bench.AnalyzerTimes())
            Console.WriteLine($"{time.TotalMilliseconds,8:0} ms  {name}");
        if (previous is not null)
        {
            Console.WriteLine("# previous build's analyzers");
            foreach (var (name, time) in previous.AnalyzerTimes())
                Console.WriteLine($"{time.TotalMilliseconds,8:0} ms  {name}");
        }
    }

    private static double Cpu(Action action)
    {
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var before = process.TotalProcessorTime;
        action();
        process.Refresh();
        return (process.TotalProcessorTime - before).TotalSeconds;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string Load() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
