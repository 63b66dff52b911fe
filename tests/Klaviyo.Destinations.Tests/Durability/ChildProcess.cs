using System.Diagnostics;
using System.Threading.Channels;
using Klaviyo.Destinations.Tests.Cli;

namespace Klaviyo.Destinations.Tests.Durability;

/// <summary>The crash child (<c>tests/Klaviyo.Destinations.CrashChild</c>) as a separate process whose stdout lines can be awaited.</summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly Task<string> _stderr;

    private ChildProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) _lines.Writer.TryComplete();
            else _lines.Writer.TryWrite(e.Data);
        };
        _process.BeginOutputReadLine();
        _stderr = _process.StandardError.ReadToEndAsync();
    }

    public static string Dll()
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}") ? "Debug" : "Release";
        return Path.Combine(CliProcess.RepoRoot(), "tests", "Klaviyo.Destinations.CrashChild", "bin", configuration, "net10.0", "Klaviyo.Destinations.CrashChild.dll");
    }

    public static ChildProcess Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        start.ArgumentList.Add(Dll());
        foreach (var arg in args) start.ArgumentList.Add(arg);
        return new ChildProcess(Process.Start(start)!);
    }

    /// <summary>The next stdout line; null when the process closed its output.</summary>
    public async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (await _lines.Reader.WaitToReadAsync(cancellationToken))
            if (_lines.Reader.TryRead(out var line)) return line;
        return null;
    }

    public void CloseInput() => _process.StandardInput.Close();

    /// <summary>The process id (to signal it).</summary>
    public int Id => _process.Id;

    /// <summary>SIGKILL on Unix: no finalizers, no flush, no dispose.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    public async Task<(int ExitCode, string Stderr)> WaitForExitAsync(CancellationToken cancellationToken)
    {
        await _process.WaitForExitAsync(cancellationToken);
        var stderr = await _stderr;
        return (_process.ExitCode, stderr);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
