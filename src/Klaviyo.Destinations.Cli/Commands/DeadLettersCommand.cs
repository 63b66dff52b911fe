using System.CommandLine;
using System.Text.Json;

namespace Klaviyo.Destinations.Cli.Commands;

/// <summary><c>klaviyo-dest dead-letters</c>: list, replay or purge the items a durable queue (a queue file or the shared Redis queue) gave up on.</summary>
internal static class DeadLettersCommand
{
    private const string Description = """
        list the dead letters of a durable queue, one JSON object per line: id, failed_at, attempts, reason, kind,
        message_id, user_id, metric, unique_id. The queue is a queue file (--queue-path; the app must not be running) or
        the shared Redis queue of the replicas (--redis with the account's --api-key or --account; the replicas may keep
        running). With --replay the dead letters are put back in the queue (attempts reset): a queue file's are sent by the
        next run of the app or by 'klaviyo-dest drain', the Redis queue's by the replicas. With --purge they are deleted.
        """;

    public static Command Create()
    {
        var queuePath = new Option<string?>("--queue-path") { Description = "the queue file", HelpName = "FILE" };
        var redis = new RedisQueueOptions();
        var replay = new Option<bool>("--replay") { Description = "put the dead letters (all, or those given with --id) back in the queue" };
        var purge = new Option<bool>("--purge") { Description = "delete the dead letters (all, or those given with --id)" };
        var idOption = new Option<string?>("--id") { Description = "only these dead letters (ids from the listing)", HelpName = "N[,M…]" };
        var limitOption = new Option<int>("--limit") { Description = "list at most N", DefaultValueFactory = _ => 1000, HelpName = "N" };
        var command = new Command("dead-letters", Description) { queuePath, replay, purge, idOption, limitOption };
        redis.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            var path = result.GetValue(queuePath);
            var doReplay = result.GetValue(replay);
            var doPurge = result.GetValue(purge);
            if (doReplay && doPurge) throw new UsageException("--replay and --purge do opposite things; give one of them.");
            var ids = ParseIds(result.GetValue(idOption));
            var limit = Math.Max(1, result.GetValue(limitOption));
            if (redis.IsGiven(result))
            {
                if (path is not null) throw new UsageException("Give --queue-path (a queue file) or --redis (the shared Redis queue), not both.");
                return await RunOnRedisAsync(redis, result, doReplay, doPurge, ids, limit);
            }
            if (path is null) throw new UsageException("Which queue? Give --queue-path FILE (a queue file) or --redis CONFIG with --api-key or --account (the replicas' shared Redis queue).");
            return await RunOnFileAsync(path, doReplay, doPurge, ids, limit, cancellationToken);
        });
        return command;
    }

    private static long[]? ParseIds(string? idList) =>
        idList?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(t => long.TryParse(t, out var id) && id > 0 ? id : throw new UsageException($"--id '{t}' is not a dead letter id.")).ToArray();

    private static async Task<int> RunOnFileAsync(string path, bool replay, bool purge, long[]? ids, int limit, CancellationToken cancellationToken)
    {
        if (!File.Exists(path)) throw new UsageException($"No queue at '{path}'.");
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
            if (purge)
            {
                var purged = await queue.PurgeDeadLettersAsync(ids, cancellationToken);
                Console.Out.WriteLine($"Purged {purged:N0} dead letters from '{path}'.");
                return 0;
            }
            await WriteAsync(await queue.ListDeadLettersAsync(limit, cancellationToken), ids, cancellationToken);
        }
        return 0;
    }

    private static async Task<int> RunOnRedisAsync(RedisQueueOptions redis, ParseResult result, bool replay, bool purge, long[]? ids, int limit)
    {
        await using var queue = await redis.OpenAsync(result);
        var letters = queue.Letters;
        try
        {
            if (replay)
            {
                var replayed = await letters.ReplayAsync(ids, TimeProvider.System);
                Console.Out.WriteLine($"Replayed {replayed:N0} dead letters into the Redis queue '{letters.KeyPrefix}' ({letters.Partitions} partitions); the replicas deliver them.");
                return 0;
            }
            if (purge)
            {
                var purged = await letters.PurgeAsync(ids);
                Console.Out.WriteLine($"Purged {purged:N0} dead letters from the Redis queue '{letters.KeyPrefix}'.");
                return 0;
            }
            await WriteAsync(await letters.ListAsync(limit), ids, CancellationToken.None);
            return 0;
        }
        catch (Exception ex) when (RedisQueueOptions.IsRedisFailure(ex))
        {
            throw new UsageException($"Redis at {queue.Endpoints} stopped answering ({RedisQueueOptions.FirstLine(ex.Message)}); nothing more was changed. Run the command again once Redis answers.");
        }
    }

    private static async Task WriteAsync(IReadOnlyList<DeadLetter> letters, long[]? ids, CancellationToken cancellationToken)
    {
        await using var stdout = Console.OpenStandardOutput();
        foreach (var letter in letters)
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
}
