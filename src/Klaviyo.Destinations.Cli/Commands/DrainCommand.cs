using System.Collections.Concurrent;
using System.Diagnostics;

namespace Klaviyo.Destinations.Cli.Commands;

/// <summary><c>klaviyo-dest drain</c>: deliver what a crashed or stopped app left in its durable queue.</summary>
internal static class DrainCommand
{
    public const string Help = """
        Usage: klaviyo-dest drain --queue-path P [options]

        Delivers every item left in a durable queue (Klaviyo:QueuePath) by a run that crashed or stopped, then exits.
        The app that owns the queue must not be running (one owner per queue path). Items that reach the attempt or
        age cap become dead letters (see 'klaviyo-dest dead-letters').

        Options:
          --queue-path P        the queue file (required)
          --api-key KEY         Klaviyo private key (default: $KLAVIYO_API_KEY)
          --base-url URL        Klaviyo address (default: $KLAVIYO_BASE_URL or https://a.klaviyo.com)
          --settings FILE       destination settings, JSON named exactly like KlaviyoDestinationOptions

        Exit codes: 0 everything delivered, 1 some items rejected or dead-lettered, 2 usage or configuration error
        (including: the queue is open in another process).
        """;

    private static readonly string[] s_valued = ["--queue-path", "--api-key", "--base-url", "--settings"];
    private static readonly string[] s_flags = ["--help", "-h"];

    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var a = Arguments.Parse(args, s_valued, s_flags);
        if (a.Flag("--help") || a.Flag("-h"))
        {
            Console.Out.WriteLine(Help);
            return 0;
        }
        if (a.Positionals.Count > 0) throw new UsageException($"drain takes no positional arguments ('{a.Positionals[0]}').");
        var path = a.Value("--queue-path") ?? throw new UsageException("drain needs --queue-path.");
        if (!File.Exists(path)) throw new UsageException($"No queue at '{path}'.");
        var options = SettingsFile.Load(a.Value("--settings"));
        options.ApiKey = a.Value("--api-key") ?? Environment.GetEnvironmentVariable("KLAVIYO_API_KEY") ?? options.ApiKey;
        if (string.IsNullOrWhiteSpace(options.ApiKey)) throw new UsageException("No API key: pass --api-key or set KLAVIYO_API_KEY.");
        if ((a.Value("--base-url") ?? Environment.GetEnvironmentVariable("KLAVIYO_BASE_URL")) is { Length: > 0 } url)
            options.BaseUrl = Uri.TryCreate(url, UriKind.Absolute, out var uri) ? uri : throw new UsageException($"--base-url '{UrlCredentials.Display(url)}' is not an absolute URL.");
        options.QueuePath = path;
        var outcomes = new ConcurrentDictionary<DeliveryStatus, long>();
        options.OnOutcome = o =>
        {
            outcomes.AddOrUpdate(o.Status, 1, (_, n) => n + 1);
            if (o.Status is DeliveryStatus.Rejected or DeliveryStatus.Expired)
                Console.Error.WriteLine($"{o.Status.ToString().ToLowerInvariant()} {o.Kind} {o.MessageId}{(o.UniqueId is null ? "" : " " + o.UniqueId)}: {o.Reason}");
        };
        SqliteEventQueue queue;
        try
        {
            options.Validate();
            queue = new SqliteEventQueue(options.CreateDurableQueueOptions());
        }
        catch (KlaviyoConfigurationException ex)
        {
            throw new UsageException(ex.Message);
        }
        var started = Stopwatch.GetTimestamp();
        var stored = queue.StoredCount;
        var deadBefore = queue.DeadLetterCount;
        long deadAfter;
        await using (var analytics = new Analytics(options, queue: queue))
        {
            await queue.WaitUntilEmptyAsync(cancellationToken);
            deadAfter = queue.DeadLetterCount;
        }
        var deadLettered = Math.Max(0, deadAfter - deadBefore);
        Console.Out.WriteLine($"Drained {stored:N0} items in {Stopwatch.GetElapsedTime(started).TotalSeconds:N1} s: {outcomes.GetValueOrDefault(DeliveryStatus.Delivered):N0} delivered, " +
            $"{outcomes.GetValueOrDefault(DeliveryStatus.Rejected):N0} rejected, {deadLettered:N0} dead-lettered ({deadAfter:N0} dead letters in the queue).");
        return outcomes.GetValueOrDefault(DeliveryStatus.Rejected) > 0 || deadLettered > 0 ? 1 : 0;
    }
}
