using System.Diagnostics;

namespace Klaviyo.Destinations.Tests.Cli;

/// <summary>Runs the built <c>klaviyo-dest</c> as a separate process, as a user would.</summary>
internal static class CliProcess
{
    public static string RepoRoot()
    {
        var dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "Klaviyo.Destinations.sln"))) dir = Path.GetDirectoryName(dir);
        return dir ?? throw new InvalidOperationException("Repository root not found.");
    }

    public static string Dll()
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}") ? "Debug" : "Release";
        return Path.Combine(RepoRoot(), "src", "Klaviyo.Destinations.Cli", "bin", configuration, "net10.0", "klaviyo-dest.dll");
    }

    public static Process Start(string workingDirectory, IReadOnlyDictionary<string, string?>? environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        start.ArgumentList.Add(Dll());
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["KLAVIYO_API_KEY"] = null;
        start.Environment["KLAVIYO_BASE_URL"] = null;
        if (environment is not null) foreach (var (key, value) in environment) start.Environment[key] = value;
        return Process.Start(start)!;
    }

    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string workingDirectory, params string[] args) =>
        await RunAsync(workingDirectory, null, args);

    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string workingDirectory, IReadOnlyDictionary<string, string?>? environment, params string[] args)
    {
        using var process = Start(workingDirectory, environment, args);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
