using Klaviyo.Destinations.Cli.Commands;
using Klaviyo.Emulator;

namespace Klaviyo.Destinations.Cli;

/// <summary><c>klaviyo-dest</c>: replay and backfill Segment-spec NDJSON into Klaviyo, dry-run it, run the emulator.</summary>
internal static class Program
{
    private const string Help = """
        klaviyo-dest — Segment-spec NDJSON into Klaviyo, through the Klaviyo.Destinations runtime

        Commands:
          send <file | ->   send (or --dry-run) each line; see 'klaviyo-dest send --help'
          emulator          run the local Klaviyo emulator; see 'klaviyo-dest emulator --help'
          drain             deliver what a durable queue (Klaviyo:QueuePath) holds; see 'klaviyo-dest drain --help'
          dead-letters      list or replay a durable queue's dead letters; see 'klaviyo-dest dead-letters --help'

        Examples:
          klaviyo-dest emulator --port 5080
          klaviyo-dest send events.ndjson --base-url http://127.0.0.1:5080 --api-key pk_test
          klaviyo-dest send events.ndjson --dry-run | jq .path
        """;

    public static async Task<int> Main(string[] args)
    {
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        try
        {
            return args switch
            {
                [] or ["--help" or "-h" or "help"] => PrintHelp(),
                ["send", .. var rest] => await SendCommand.RunAsync(rest, cancel.Token),
                ["drain", .. var rest] => await DrainCommand.RunAsync(rest, cancel.Token),
                ["dead-letters", .. var rest] => await DeadLettersCommand.RunAsync(rest, cancel.Token),
                ["emulator", .. var rest] => await EmulatorCommandLine.RunAsync(rest),
                [var unknown, ..] => throw new UsageException($"Unknown command '{unknown}'."),
            };
        }
        catch (UsageException ex)
        {
            await Console.Error.WriteLineAsync($"klaviyo-dest: {ex.Message}{Environment.NewLine}Run 'klaviyo-dest --help' for usage.");
            return 2;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("klaviyo-dest: interrupted; progress up to the last checkpoint is kept.");
            return 130;
        }
    }

    private static int PrintHelp()
    {
        Console.Out.WriteLine(Help);
        return 0;
    }
}
