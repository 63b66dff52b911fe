using System.Diagnostics;
using System.Text;

namespace Klaviyo.Destinations.Tests.OfficialSdk;

/// <summary>
/// The Node project tests/Klaviyo.OfficialSdk.Conformance (Klaviyo's official SDK pinned by its package-lock.json),
/// installed once per test run with <c>npm ci</c>.
/// </summary>
public sealed class NodeProject : IAsyncLifetime
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(5);

    public string Folder { get; } = FindFolder();

    public string InstallLog { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        if (FindOnPath("npm") is null)
        {
            return; // the facts are skipped (or, under CI, fail on their own)
        }

        var install = await RunAsync("npm", ["ci", "--no-audit", "--no-fund"], new Dictionary<string, string>());
        InstallLog = install.Output;
        if (install.ExitCode != 0)
        {
            throw new InvalidOperationException($"npm ci failed in {Folder} (exit {install.ExitCode}):\n{install.Output}");
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Runs <paramref name="command"/> in the project folder; returns its exit code and interleaved output.</summary>
    public async Task<(int ExitCode, string Output, string StandardOutput)> RunAsync(string command, string[] arguments, IDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(FindOnPath(command) ?? command)
        {
            WorkingDirectory = Folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {command}.");
        var all = new StringBuilder();
        var stdout = new StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (all) { all.AppendLine(e.Data); stdout.AppendLine(e.Data); }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (all) all.AppendLine(e.Data);
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(s_timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{command} {string.Join(' ', arguments)} did not finish within {s_timeout}:\n{all}");
        }

        process.WaitForExit(); // drains the redirected streams
        lock (all)
        {
            return (process.ExitCode, all.ToString(), stdout.ToString());
        }
    }

    public static string? FindOnPath(string name)
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static string FindFolder()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "tests", "Klaviyo.OfficialSdk.Conformance");
            if (File.Exists(Path.Combine(candidate, "package-lock.json")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("tests/Klaviyo.OfficialSdk.Conformance (with package-lock.json) was not found above " + AppContext.BaseDirectory);
    }
}
