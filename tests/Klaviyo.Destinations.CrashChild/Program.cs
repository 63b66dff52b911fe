using System.Globalization;
using Klaviyo.Destinations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Klaviyo.Destinations.CrashChild;

/// <summary>
/// A child process for the crash tests: sends a numbered stream of events into a Klaviyo (emulator) address through a
/// durable queue and prints <c>durable N</c> as each <c>TrackAsync</c> completes, so the parent knows what was promised
/// before it kills the process.
/// <code>
/// send  --base-url URL --queue-path P --from N --count K [--users U] [--window W]   prints "ready", "durable N"…, "flushed"
/// drain --base-url URL --queue-path P                                               prints "drained"
/// hold  --queue-path P                                                              prints "ready", then waits for stdin to close
/// host  --base-url URL --count K                                                    a generic host (AddKlaviyoDestinations, memory
///                                                                                   queue, 1 h flush interval): tracks K events, prints
///                                                                                   "accepted", runs until SIGTERM, prints "stopped"
/// </code>
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i + 1 < args.Length; i += 2) values[args[i]] = args[i + 1];
        string Get(string name) => values.TryGetValue(name, out var v) ? v : throw new ArgumentException($"{name} is required.");
        int Number(string name, int fallback) => values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

        var options = new KlaviyoDestinationOptions
        {
            ApiKey = "pk_crash_child",
            BaseUrl = new Uri(values.GetValueOrDefault("--base-url", "http://127.0.0.1:9/")),
            QueuePath = Get("--queue-path"),
            RetryBaseDelay = TimeSpan.FromMilliseconds(20),
            MaxRetryDelay = TimeSpan.FromMilliseconds(200),
            MaxAttempts = 1_000,
            FlushInterval = TimeSpan.FromMilliseconds(50),
            ShutdownTimeout = TimeSpan.FromSeconds(30),
        };
        try
        {
            switch (args.FirstOrDefault())
            {
                case "send":
                    await SendAsync(options, Number("--from", 0), Number("--count", 1000), Number("--users", 20), Number("--window", 64));
                    return 0;
                case "drain":
                    await DrainAsync(options);
                    return 0;
                case "host":
                    await HostAsync(options.BaseUrl, Number("--count", 100));
                    return 0;
                case "hold":
                    await using (new SqliteEventQueue(options.QueuePath!))
                    {
                        Console.Out.WriteLine("ready");
                        await Console.In.ReadToEndAsync();
                    }
                    return 0;
                default:
                    await Console.Error.WriteLineAsync("usage: send|drain|hold …");
                    return 2;
            }
        }
        catch (KlaviyoConfigurationException ex)
        {
            await Console.Error.WriteLineAsync("config: " + ex.Message);
            return 3;
        }
    }

    private static async Task SendAsync(KlaviyoDestinationOptions options, int from, int count, int users, int window)
    {
        await using var analytics = new Analytics(options);
        Console.Out.WriteLine("ready");
        var inFlight = new List<Task>(window);
        var gate = new object();
        for (var n = from; n < from + count; n++)
        {
            var number = n;
            var properties = new Dictionary<string, object?> { ["n"] = number, ["note"] = new string('x', number % 200) };
            var task = analytics.TrackAsync($"user-{number % users}", "Crash Test", properties, new MessageOptions { MessageId = $"crash-{number}" })
                .ContinueWith(t =>
                {
                    if (t.IsCompletedSuccessfully && t.Result)
                        lock (gate) Console.Out.WriteLine($"durable {number}");
                }, TaskScheduler.Default);
            inFlight.Add(task);
            if (inFlight.Count >= window)
            {
                await Task.WhenAny(inFlight);
                inFlight.RemoveAll(t => t.IsCompleted);
            }
        }
        await Task.WhenAll(inFlight);
        await analytics.FlushAsync();
        Console.Out.WriteLine("flushed");
    }

    /// <summary>
    /// The ASP.NET Core / worker hosting path: nothing is sent before the host stops (1 h flush interval, in-memory
    /// queue), so what reaches Klaviyo was delivered by the hosted service's drain on SIGTERM.
    /// </summary>
    private static async Task HostAsync(Uri baseUrl, int count)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddKlaviyoDestinations(o =>
        {
            o.ApiKey = "pk_host_child";
            o.BaseUrl = baseUrl;
            o.QueueStorage = QueueStorage.Memory;
            o.FlushInterval = TimeSpan.FromHours(1);
            o.FlushCount = 100_000;
            o.ShutdownTimeout = TimeSpan.FromSeconds(20);
        });
        using var host = builder.Build();
        await host.StartAsync();
        var analytics = host.Services.GetRequiredService<Analytics>();
        for (var n = 0; n < count; n++)
            analytics.Track($"user-{n % 10}", "Host Drain Test", new Dictionary<string, object?> { ["n"] = n }, new MessageOptions { MessageId = $"host-{n}" });
        Console.Out.WriteLine("accepted");
        await host.WaitForShutdownAsync();
        Console.Out.WriteLine("stopped");
    }

    private static async Task DrainAsync(KlaviyoDestinationOptions options)
    {
        var queue = new SqliteEventQueue(options.CreateDurableQueueOptions());
        await using var analytics = new Analytics(options, queue: queue);
        await queue.WaitUntilEmptyAsync();
        Console.Out.WriteLine("drained");
    }
}
