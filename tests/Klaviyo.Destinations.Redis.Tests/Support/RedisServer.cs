using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Klaviyo.Destinations.Redis.Tests.Support;

/// <summary>
/// A real <c>redis-server</c> (Debian's package) on a free loopback port with its own temporary directory; stopped and
/// its directory removed on dispose. It can be killed (SIGKILL) and started again on the same port and directory,
/// which replays its append-only file when <c>appendOnly</c> is on.
/// </summary>
internal sealed class RedisServer : IAsyncDisposable
{
    private readonly bool _appendOnly;
    private readonly string _fsync;
    private readonly bool _cluster;
    private readonly System.Text.StringBuilder _log = new();
    private readonly List<(string Text, TaskCompletionSource Seen)> _watches = [];
    private Process? _process;

    private RedisServer(int port, string directory, bool appendOnly, string fsync, bool cluster)
    {
        Port = port;
        Directory = directory;
        _appendOnly = appendOnly;
        _fsync = fsync;
        _cluster = cluster;
    }

    /// <summary>Where redis-server is: <c>REDIS_SERVER</c>, else /usr/bin/redis-server or the PATH; null when absent.</summary>
    public static string? Binary { get; } = Find();

    public int Port { get; }

    public string Directory { get; }

    /// <summary>The StackExchange.Redis configuration string of this server.</summary>
    public string Configuration => $"127.0.0.1:{Port},abortConnect=false,connectTimeout=2000,syncTimeout=2000,asyncTimeout=2000";

    public bool IsRunning => _process is { HasExited: false };

    /// <param name="cluster">Cluster mode (<c>cluster-enabled yes</c>): a one-node cluster once its slots are assigned (<see cref="LoggedAsync"/> "Cluster state changed: ok").</param>
    public static async Task<RedisServer> StartAsync(bool appendOnly = false, string fsync = "everysec", bool cluster = false)
    {
        if (Binary is null) throw new InvalidOperationException("redis-server is not installed (apt-get install -y redis-server).");
        var directory = Path.Combine(Path.GetTempPath(), "klaviyo-redis-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(directory);
        var server = new RedisServer(FreePort(), directory, appendOnly, fsync, cluster);
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>Starts the server (again, after <see cref="Kill"/>) and completes once it logs that it accepts connections.</summary>
    public async Task StartAgainAsync()
    {
        if (IsRunning) throw new InvalidOperationException("redis-server is already running.");
        var start = new ProcessStartInfo(Binary!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", Directory,
            "--save", "", "--appendonly", _appendOnly ? "yes" : "no", "--appendfsync", _fsync, "--daemonize", "no",
            "--protected-mode", "yes", "--logfile", "", "--loglevel", "notice",
        }) start.ArgumentList.Add(arg);
        if (_cluster)
        {
            foreach (var arg in new[] { "--cluster-enabled", "yes", "--cluster-config-file", Path.Combine(Directory, "nodes.conf") }) start.ArgumentList.Add(arg);
        }
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var log = _log;
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (log)
            {
                log.AppendLine(e.Data);
                foreach (var (text, seen) in _watches)
                {
                    if (e.Data.Contains(text, StringComparison.Ordinal)) seen.TrySetResult();
                }
            }
            if (e.Data.Contains("Ready to accept connections", StringComparison.Ordinal)) ready.TrySetResult();
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.AppendLine(e.Data); };
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException("redis-server exited before it was ready:\n" + log));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>Completes when the server logs a line containing <paramref name="text"/> (from now on, or already).</summary>
    public Task LoggedAsync(string text)
    {
        lock (_log)
        {
            var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_log.ToString().Contains(text, StringComparison.Ordinal)) seen.TrySetResult();
            else _watches.Add((text, seen));
            return seen.Task;
        }
    }

    /// <summary>SIGKILL: no shutdown, no final write; only what the append-only file already holds survives.</summary>
    public async Task KillAsync()
    {
        if (_process is not { } process) return;
        if (!process.HasExited) process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
        process.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string? Find()
    {
        if (Environment.GetEnvironmentVariable("REDIS_SERVER") is { Length: > 0 } configured && File.Exists(configured)) return configured;
        if (File.Exists("/usr/bin/redis-server")) return "/usr/bin/redis-server";
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, "redis-server");
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}
