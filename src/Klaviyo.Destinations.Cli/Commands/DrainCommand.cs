using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;

namespace Klaviyo.Destinations.Cli.Commands;

/// <summary><c>klaviyo-dest drain</c>: deliver what a crashed or stopped app left in its durable queue.</summary>
internal static class DrainCommand
{
    private const string Description = """
        deliver every item left in a durable queue (Klaviyo:QueuePath) by a run that crashed or stopped, then exit. The app
        that owns the queue must not be running (one owner per queue path). Items that reach the attempt or age cap become
        dead letters (see 'klaviyo-dest dead-letters'). Exit codes: 0 everything delivered, 1 some items rejected or
        dead-lettered, 2 usage or configuration error (including: the queue is open in another process).
        """;

    public static Command Create(StopSignal stop)
    {
        var queuePath = new Option<string>("--queue-path") { Description = "the queue file", Required = true, HelpName = "FILE" };
        var settings = new SettingsOptions();
        var command = new Command("drain", Description) { queuePath };
        settings.AddTo(command);
        command.SetAction(async (result, _) =>
        {
            var path = result.GetValue(queuePath)!;
            if (!File.Exists(path)) throw new UsageException($"No queue at '{path}'.");
            var options = settings.Load(result, ("QueuePath", path), ("QueueStorage", nameof(QueueStorage.Disk)));
            var outcomes = new ConcurrentDictionary<DeliveryStatus, long>();
            options.OnOutcome = o =>
            {
                outcomes.AddOrUpdate(o.Status, 1, (_, n) => n + 1);
                if (o.Status is DeliveryStatus.Rejected or DeliveryStatus.Expired)
                    Console.Error.WriteLine($"{o.Status.ToString().ToLowerInvariant()} {o.Kind} {o.MessageId}{(o.UniqueId is null ? "" : " " + o.UniqueId)}: {o.Reason}");
            };
            SettingsOptions.Validate(options);
            SqliteEventQueue queue;
            try
            {
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
                try
                {
                    await queue.WaitUntilEmptyAsync(stop.Token);
                }
                catch (OperationCanceledException) when (stop.Token.IsCancellationRequested)
                {
                    // Stopped: what is not delivered stays in the queue for the next drain.
                }
                deadAfter = queue.DeadLetterCount;
            }
            var deadLettered = Math.Max(0, deadAfter - deadBefore);
            Console.Out.WriteLine($"Drained {stored:N0} items in {Stopwatch.GetElapsedTime(started).TotalSeconds:N1} s: {outcomes.GetValueOrDefault(DeliveryStatus.Delivered):N0} delivered, " +
                $"{outcomes.GetValueOrDefault(DeliveryStatus.Rejected):N0} rejected, {deadLettered:N0} dead-lettered ({deadAfter:N0} dead letters in the queue).");
            if (stop.Received is not null)
            {
                await Console.Error.WriteLineAsync($"klaviyo-dest: stopped by {stop.Name}; what was not delivered stays in '{path}'. Run the same command again to continue.");
                return stop.ExitCode;
            }
            return outcomes.GetValueOrDefault(DeliveryStatus.Rejected) > 0 || deadLettered > 0 ? 1 : 0;
        });
        return command;
    }
}
