using System.CommandLine;
using Klaviyo.Destinations.Cli.Commands;
using Klaviyo.Emulator;

namespace Klaviyo.Destinations.Cli;

/// <summary><c>klaviyo-dest</c>: replay and backfill Segment-spec NDJSON into Klaviyo, dry-run it, run the emulator.</summary>
internal static class Program
{
    private const string Description = """
        klaviyo-dest — Segment-spec NDJSON into Klaviyo, through the Klaviyo.Destinations runtime

        Examples:
          klaviyo-dest emulator --port 5080
          klaviyo-dest send events.ndjson --base-url http://127.0.0.1:5080 --api-key pk_test
          klaviyo-dest send events.ndjson --dry-run | jq .path
          klaviyo-dest send history.ndjson --backfill --settings appsettings.json
          klaviyo-dest queue salvage --queue-path /var/lib/myapp/klaviyo-queue.db --replace
        """;

    public static async Task<int> Main(string[] args)
    {
        using var stop = new StopSignal();
        var root = new RootCommand(Description)
        {
            SendCommand.Create(stop, args),
            EmulatorCommandLine.CreateCommand("emulator"),
            DrainCommand.Create(stop),
            DeadLettersCommand.Create(),
            QueueCommand.Create(),
            CompletionsCommand.Create(),
        };
        try
        {
            return await EmulatorCommandLine.InvokeAsync(root, args, "klaviyo-dest", stop.Token);
        }
        catch (UsageException ex)
        {
            await Console.Error.WriteLineAsync($"klaviyo-dest: {ex.Message}{Environment.NewLine}Run 'klaviyo-dest --help' for usage.");
            return 2;
        }
        catch (OperationCanceledException) when (stop.Token.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync($"klaviyo-dest: stopped by {stop.Name}.");
            return stop.ExitCode;
        }
    }
}
