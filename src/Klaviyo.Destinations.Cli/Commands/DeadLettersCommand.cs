using System.Text.Json;

namespace Klaviyo.Destinations.Cli.Commands;

/// <summary><c>klaviyo-dest dead-letters</c>: list (or replay) the items a durable queue gave up on.</summary>
internal static class DeadLettersCommand
{
    public const string Help = """
        Usage: klaviyo-dest dead-letters --queue-path P [--replay] [--id N ...] [--limit N]

        Lists the dead letters of a durable queue, one JSON object per line: id, failed_at, attempts, reason, kind,
        message_id, user_id, metric, unique_id. With --replay they are put back in the queue (attempts reset) and
        are sent by the next run of the app or by 'klaviyo-dest drain'. The app must not be running.

        Options:
          --queue-path P   the queue file (required)
          --replay         put the dead letters (all, or those given with --id) back in the queue
          --id N[,M…]      only these dead letters (ids from the listing)
          --limit N        list at most N (default 1000)
        """;

    private static readonly string[] s_valued = ["--queue-path", "--id", "--limit"];
    private static readonly string[] s_flags = ["--replay", "--help", "-h"];

    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var a = Arguments.Parse(args, s_valued, s_flags);
        if (a.Flag("--help") || a.Flag("-h"))
        {
            Console.Out.WriteLine(Help);
            return 0;
        }
        if (a.Positionals.Count > 0) throw new UsageException($"dead-letters takes no positional arguments ('{a.Positionals[0]}').");
        var path = a.Value("--queue-path") ?? throw new UsageException("dead-letters needs --queue-path.");
        if (!File.Exists(path)) throw new UsageException($"No queue at '{path}'.");
        long[]? ids = null;
        if (a.Value("--id") is { } list)
            ids = list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(t => long.TryParse(t, out var id) && id > 0 ? id : throw new UsageException($"--id '{t}' is not a dead letter id.")).ToArray();
        var limit = (int)Math.Min(int.MaxValue, a.Number("--limit") ?? 1000);
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
            if (a.Flag("--replay"))
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
