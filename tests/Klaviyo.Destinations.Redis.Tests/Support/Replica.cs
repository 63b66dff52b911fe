using System.Diagnostics;

namespace Klaviyo.Destinations.Redis.Tests.Support;

/// <summary>A replica: the built <c>klaviyo-dest</c> run as a separate process.</summary>
internal static class Replica
{
    public static string RepoRoot()
    {
        var dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "Klaviyo.Destinations.sln"))) dir = Path.GetDirectoryName(dir);
        return dir ?? throw new InvalidOperationException("Repository root not found.");
    }

    public static string CliDll()
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}") ? "Debug" : "Release";
        return Path.Combine(RepoRoot(), "src", "Klaviyo.Destinations.Cli", "bin", configuration, "net10.0", "klaviyo-dest.dll");
    }

    /// <summary>
    /// <c>dotnet klaviyo-dest.dll args…</c> in <paramref name="workingDirectory"/>, with redirected streams and without the
    /// developer's own <c>KLAVIYO_API_KEY</c>/<c>KLAVIYO_BASE_URL</c> (the tests pass both explicitly).
    /// </summary>
    private static ProcessStartInfo StartInfo(string workingDirectory, string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        start.ArgumentList.Add(CliDll());
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["KLAVIYO_API_KEY"] = null;
        start.Environment["KLAVIYO_BASE_URL"] = null;
        return start;
    }

    public static Process Start(string workingDirectory, params string[] args)
    {
        var start = StartInfo(workingDirectory, args);
        var process = Process.Start(start)!;
        process.StandardInput.Close();
        return process;
    }

    /// <summary>Starts a replica whose output lines are handed to <paramref name="onLine"/> as they come, and collected.</summary>
    public static (Process Process, System.Text.StringBuilder Output) StartWatched(string workingDirectory, Action<string> onLine, params string[] args)
    {
        var start = StartInfo(workingDirectory, args);
        var output = new System.Text.StringBuilder();
        var process = new Process { StartInfo = start };
        DataReceivedEventHandler handler = (_, e) =>
        {
            if (e.Data is null) return;
            lock (output) output.AppendLine(e.Data);
            onLine(e.Data);
        };
        process.OutputDataReceived += handler;
        process.ErrorDataReceived += handler;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.StandardInput.Close();
        return (process, output);
    }

    /// <summary>Waits for the process (bounded) and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> FinishAsync(Process process, TimeSpan timeout)
    {
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"klaviyo-dest did not finish within {timeout}: {await stdout}{await stderr}");
        }
        return (process.ExitCode, await stdout + await stderr);
    }
}
