using System.CommandLine;
using System.Text.Json;

namespace Klaviyo.Destinations.Cli.Commands;

/// <summary><c>klaviyo-dest dead-letters</c>: list (or replay) the items a durable queue gave up on.</summary>
internal static class DeadLettersCommand
{
    private const string Description = """
        list the dead letters of a durable queue, one JSON object per line: id, failed_at, attempts, reason, kind,
        message_id, user_id, metric, unique_id. With --replay they are put back in the queue (attempts reset) and are
        sent by the next run of the app or by 'klaviyo-dest drain'. The app must not be running.
        """;

    public static Command Create()
    {
        var queuePath = new Option<string>("--queue-path") { Description = "the queue file", Required = true, HelpName = "FILE" };
        var replay = new Option<bool>("--replay") { Description = "put the dead letters (all, or those given with --id) back in the queue" };
        var idOption = new Option<string?>("--id") { Description = "only these dead letters (ids from the listing)", HelpName = "N[,M…]" };
        var limitOption = new Option<int>("--limit") { Description = "list at most N", DefaultValueFactory = _ => 1000, HelpName = "N" };
        var command = new Command("dead-letters", Description) { queuePath, replay, idOption, limitOption };
        command.SetAction((result, cancellationToken) => RunAsync(result.GetValue(queuePath)!, result.GetValue(replay), result.GetValue(idOption), result.GetValue(limitOption), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string path, bool replay, string? idList, int limit, CancellationToken cancellationToken)
    {
        if (!File.Exists(path)) throw new UsageException($"No queue at '{path}'.");
        long[]? ids = null;
        if (idList is { } list)
            ids = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(t => long.TryParse(t, out var id) && id > 0 ? id : throw new UsageException($"--id '{t}' is not a dead letter id.")).ToArray();
        SqliteEventQueue queue;
        try
        {
            queue = new SqliteEventQueue(path);
        }
        catch (KlaviyoConfigurationException ex)
        {
            throw new UsageException(ex.Message);
        }
        await using (queue)
        {
            if (replay)
            {
                var replayed = await queue.ReplayDeadLettersAsync(ids, cancellationToken);
                Console.Out.WriteLine($"Replayed {replayed:N0} dead letters into '{path}'; run the app or 'klaviyo-dest drain --queue-path {path}' to send them.");
                return 0;
            }
            await using var stdout = Console.OpenStandardOutput();
            foreach (var letter in await queue.ListDeadLettersAsync(Math.Max(1, limit), cancellationToken))
            {
                if (ids is not null && !ids.Contains(letter.Id)) continue;
                using (var json = new Utf8JsonWriter(stdout))
                {
                    json.WriteStartObject();
                    json.WriteNumber("id", letter.Id);
                    json.WriteString("failed_at", letter.FailedAt);
                    json.WriteNumber("attempts", letter.Attempts);
                    json.WriteString("reason", letter.Reason);
                    json.WriteString("kind", letter.Kind.ToString());
                    json.WriteString("message_id", letter.MessageId);
                    json.WriteString("user_id", letter.UserId);
                    json.WriteString("metric", letter.Metric);
                    json.WriteString("unique_id", letter.UniqueId);
                    json.WriteEndObject();
                }
                stdout.WriteByte((byte)'\n');
            }
            await stdout.FlushAsync(cancellationToken);
        }
        return 0;
    }
}
