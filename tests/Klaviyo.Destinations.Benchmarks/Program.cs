using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

// Full run:  dotnet run -c Release --project tests/Klaviyo.Destinations.Benchmarks -- --filter '*'
// Quick run (CI smoke: every benchmark once, in process, no timing claims): add --quick
// Step-by-step breakdown of one realistic message (for explaining a profile): --probe
// Every figure of the README's Performance tables, in one command: --readme (see ReadmeRun)
// (--readme probe|mapping|client|pipeline re-runs one part)
if (Array.IndexOf(args, "--readme") is >= 0 and var readme)
    return Klaviyo.Destinations.Benchmarks.ReadmeRun.Run(readme + 1 < args.Length ? args[readme + 1] : null);
if (args.Contains("--probe"))
{
    Klaviyo.Destinations.Benchmarks.Probe.Run();
    return 0;
}
// What the package adds to a 300-model app's build, in CPU seconds (robust on a loaded machine): --build-cost [repetitions] [folder of another generator/analyzer build]
if (args.Length > 0 && args[0] == "--build-cost")
{
    Klaviyo.Destinations.Benchmarks.BuildCostProbe.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 7, args.Length > 2 ? args[2] : null);
    return 0;
}
var quick = args.Contains("--quick");
var rest = args.Where(a => a != "--quick").ToArray();
IConfig config = DefaultConfig.Instance;
if (quick)
{
    config = DefaultConfig.Instance.AddJob(Job.Dry.WithToolchain(InProcessEmitToolchain.Instance)).WithOptions(ConfigOptions.DisableOptimizationsValidator);
    if (rest.Length == 0) rest = ["--filter", "*"];
}
var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(rest, config);
return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
