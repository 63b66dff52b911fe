using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Klaviyo.Destinations.Redis.Tests.Support;

namespace Klaviyo.Destinations.Redis.Tests.Replicas;

/// <summary>
/// One replica of the scale-out sample (samples/Klaviyo.Destinations.ScaleOutSample), run as its own process with
/// <c>dotnet &lt;dll&gt;</c> the way a container runs it: settings from its appsettings.json and environment variables,
/// its port from <c>ASPNETCORE_URLS</c>. <see cref="Kill"/> sends SIGKILL; <see cref="StopAsync"/> SIGTERM.
/// </summary>
internal sealed class ReplicaApp : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Process _process = null!;

    private ReplicaApp(string name, int port)
    {
        Name = name;
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
        Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public string Name { get; }

    public Uri BaseAddress { get; }

    public HttpClient Http { get; }

    /// <summary>This replica's number in the shared queue (its consumer name in the streams' group).</summary>
    public long Number { get; private set; }

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    public static string Dll()
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}") ? "Debug" : "Release";
        return Path.Combine(Replica.RepoRoot(), "samples", "Klaviyo.Destinations.ScaleOutSample", "bin", configuration, "net10.0", "Klaviyo.Destinations.ScaleOutSample.dll");
    }

    /// <summary>Starts a replica with these settings (as environment variables, e.g. <c>Klaviyo__Redis__Configuration</c>) and waits until it serves.</summary>
    public static async Task<ReplicaApp> StartAsync(string name, IReadOnlyDictionary<string, string> settings)
    {
        var dll = Dll();
        if (!File.Exists(dll)) throw new InvalidOperationException($"The scale-out sample is not built ({dll}); build the test project (it builds the sample).");
        var replica = new ReplicaApp(name, FreePort());
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        start.Environment["ASPNETCORE_URLS"] = replica.BaseAddress.ToString().TrimEnd('/');
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["KLAVIYO_API_KEY"] = null;
        start.Environment["KLAVIYO_BASE_URL"] = null;
        foreach (var (key, value) in settings) start.Environment[key] = value;
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        DataReceivedEventHandler collect = (_, e) =>
        {
            if (e.Data is null) return;
            lock (replica._output) replica._output.AppendLine(e.Data);
            if (e.Data.Contains("Application started", StringComparison.Ordinal)) replica._started.TrySetResult();
        };
        process.OutputDataReceived += collect;
        process.ErrorDataReceived += collect;
        process.Exited += (_, _) => replica._started.TrySetException(new InvalidOperationException($"{name} exited before it started:\n{replica.Output}"));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        replica._process = process;
        try
        {
            await replica._started.Task.WaitAsync(TimeSpan.FromMinutes(2));
        }
        catch (TimeoutException)
        {
            process.Kill();
            throw new TimeoutException($"{name} did not start within 2 minutes:\n{replica.Output}");
        }
        replica.Number = (await replica.StatusAsync()).Replica;
        return replica;
    }

    /// <summary>What the replica holds of the shared queue (<c>GET /replica</c>).</summary>
    public async Task<ReplicaStatus> StatusAsync() =>
        (await Http.GetFromJsonAsync<ReplicaStatus>("replica", Json))!;

    /// <summary>The replica's <c>/health</c>: overall status and each check's status.</summary>
    public async Task<(string Status, IReadOnlyDictionary<string, string> Checks, string Body)> HealthAsync()
    {
        var body = await Http.GetStringAsync("health");
        using var doc = JsonDocument.Parse(body);
        var checks = doc.RootElement.GetProperty("checks").EnumerateObject().ToDictionary(c => c.Name, c => c.Value.GetProperty("status").GetString()!);
        return (doc.RootElement.GetProperty("status").GetString()!, checks, body);
    }

    /// <summary>SIGKILL: the process ends at once, without shutdown, lease release or final writes.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM: the graceful stop a container runtime asks for.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (_process.HasExited) return;
        using (var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) } })!)
            await kill.WaitForExitAsync();
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try
            {
                await StopAsync(TimeSpan.FromSeconds(20));
            }
            catch (OperationCanceledException)
            {
                _process.Kill();
            }
        }
        _process.Dispose();
        Http.Dispose();
    }

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary><c>GET /replica</c> of the sample.</summary>
internal sealed record ReplicaStatus(long Replica, int[] Partitions, long Unfinished, string? Outage);
