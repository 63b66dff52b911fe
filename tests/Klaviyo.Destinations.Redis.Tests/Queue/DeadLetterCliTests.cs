using System.Text.Json;
using Klaviyo.Destinations.Redis.Tests.Support;
using Klaviyo.Emulator;
using StackExchange.Redis;

namespace Klaviyo.Destinations.Redis.Tests.Queue;

/// <summary><c>klaviyo-dest dead-letters --redis</c>, run as a process, on the dead letters of the replicas' shared queue.</summary>
public sealed class DeadLetterCliTests : IDisposable
{
    private const string ApiKey = "pk_dead_letter_cli_secret_key";
    private static readonly TimeSpan s_cliTimeout = TimeSpan.FromSeconds(60);
    private readonly CancellationToken _timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120)).Token;
    private readonly string _dir = Directory.CreateTempSubdirectory("klaviyo-dl-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [RedisFact]
    public async Task Dead_letters_of_the_Redis_queue_are_listed_replayed_to_a_replica_that_delivers_them_and_purged()
    {
        await using var server = await RedisServer.StartAsync();
        await using var klaviyo = await KlaviyoEmulator.StartAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(server.Configuration);
        var prefix = "klaviyo:queue:" + AccountKey.Of(ApiKey);
        // A replica of the account's queue (the prefix an app's QueueStorage = Redis uses) that gave up on two items.
        await using var queue = await RedisEventQueue.OpenAsync(connection, new RedisEventQueueOptions { KeyPrefix = prefix, Partitions = 4, PollInterval = TimeSpan.FromMilliseconds(100) });
        var first = await DeadLetterAsync(queue, QueueItems.Event("person-1", 1, "Order Placed"), "Klaviyo answered 400: 'phone_number' is not a phone number");
        var second = await DeadLetterAsync(queue, QueueItems.Event("person-2", 1, "Order Placed"), "gave up after 8 attempts");

        var (code, output) = await CliAsync("dead-letters", "--redis", server.Configuration, "--api-key", ApiKey);
        Assert.Equal(0, code);
        var listed = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal([first.Sequence, second.Sequence], listed.Select(l => l.GetProperty("id").GetInt64()));
        Assert.Equal("Klaviyo answered 400: 'phone_number' is not a phone number", listed[0].GetProperty("reason").GetString());
        Assert.Equal("person-1/1", listed[0].GetProperty("message_id").GetString());
        Assert.Equal("person-2-1", listed[1].GetProperty("unique_id").GetString());

        (code, output) = await CliAsync("dead-letters", "--redis", server.Configuration, "--api-key", ApiKey, "--replay", "--id", first.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(0, code);
        Assert.Contains("Replayed 1 dead letters", output, StringComparison.Ordinal);
        Assert.Equal(second.Sequence, Assert.Single(await queue.ListDeadLettersAsync(cancellationToken: _timeout)).Id);

        // The replica delivers the replayed item (attempts reset) to Klaviyo.
        await using (var analytics = new Analytics(new KlaviyoDestinationOptions { ApiKey = ApiKey, BaseUrl = klaviyo.BaseAddress, CheckKeyAtStartup = false }, queue: queue))
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
            while (!klaviyo.State.Events.Any(e => e.UniqueId == "person-1-1")) await timer.WaitForNextTickAsync(_timeout);
            await analytics.FlushAsync(_timeout);
        }
        Assert.Equal(["person-1-1"], klaviyo.State.Events.Select(e => e.UniqueId));

        // Purged by the account part of the keys (no API key needed).
        (code, output) = await CliAsync("dead-letters", "--redis", server.Configuration, "--account", AccountKey.Of(ApiKey), "--purge");
        Assert.Equal(0, code);
        Assert.Contains("Purged 1 dead letters", output, StringComparison.Ordinal);
        (code, output) = await CliAsync("dead-letters", "--redis", server.Configuration, "--api-key", ApiKey);
        Assert.Equal(0, code);
        Assert.Equal("", output.Trim());
        Assert.Equal(0, await connection.GetDatabase().ListLengthAsync($"{{{prefix}}}:dead"));
    }

    [RedisFact]
    public async Task A_dead_letter_a_dead_replica_staged_in_its_partition_is_listed_once_with_no_replica_running()
    {
        await using var server = await RedisServer.StartAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(server.Configuration);
        var db = connection.GetDatabase();
        var prefix = "klaviyo:queue:" + AccountKey.Of(ApiKey);
        // The queue exists (a replica opened it and left); then what a holder that died between dead-lettering's two steps
        // leaves: the entry gone from its stream, its letter staged in the partition, not yet in the dead-letter list.
        await (await RedisEventQueue.OpenAsync(connection, new RedisEventQueueOptions { KeyPrefix = prefix, Partitions = 4 })).DisposeAsync();
        const string letter = """{"id":7,"at":638000000000000000,"n":3,"r":"Klaviyo answered 400","k":1,"m":"person-1/1","u":"person-1","e":"Order Placed","q":null}""";
        await db.HashSetAsync($"{{{prefix}:p:2}}:letters", "1-1", letter);

        var (code, output) = await CliAsync("dead-letters", "--redis", server.Configuration, "--api-key", ApiKey);
        Assert.Equal(0, code);
        var listed = JsonDocument.Parse(output.Trim()).RootElement;
        Assert.Equal(7, listed.GetProperty("id").GetInt64());
        Assert.Equal("Klaviyo answered 400", listed.GetProperty("reason").GetString());
        Assert.Equal(0, await db.HashLengthAsync($"{{{prefix}:p:2}}:letters"));

        // Staged again (a mover that died before deleting it from the partition): still one letter.
        await db.HashSetAsync($"{{{prefix}:p:2}}:letters", "1-1", letter);
        (code, output) = await CliAsync("dead-letters", "--redis", server.Configuration, "--api-key", ApiKey);
        Assert.Equal(0, code);
        Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(1, await db.ListLengthAsync($"{{{prefix}}}:dead"));
    }

    [RedisFact]
    public async Task Misconfiguration_gets_a_message_that_says_what_to_fix_and_never_shows_the_key()
    {
        await using var server = await RedisServer.StartAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(server.Configuration);
        await using var queue = await RedisEventQueue.OpenAsync(connection, new RedisEventQueueOptions { KeyPrefix = "klaviyo:queue:" + AccountKey.Of(ApiKey), Partitions = 2 });

        var stopped = await RedisServer.StartAsync();
        var nowhere = $"127.0.0.1:{stopped.Port},connectTimeout=1000";
        await stopped.DisposeAsync();   // nothing listens on its port any more
        var (code, output) = await CliAsync("dead-letters", "--redis", nowhere, "--api-key", ApiKey);
        Assert.Equal(2, code);
        Assert.Contains($"Redis at 127.0.0.1:{stopped.Port} did not answer", output, StringComparison.Ordinal);
        Assert.DoesNotContain(ApiKey, output, StringComparison.Ordinal);

        (code, output) = await CliAsync("dead-letters", "--redis", server.Configuration);
        Assert.Equal(2, code);
        Assert.Contains("pass the replicas' key with --api-key", output, StringComparison.Ordinal);

        (code, output) = await CliAsync("dead-letters", "--redis", server.Configuration, "--api-key", "pk_another_account_secret");
        Assert.Equal(2, code);
        Assert.Contains("holds no queue", output, StringComparison.Ordinal);
        Assert.Contains("--key-prefix", output, StringComparison.Ordinal);
        Assert.DoesNotContain("pk_another_account_secret", output, StringComparison.Ordinal);

        (code, output) = await CliAsync("dead-letters", "--redis", server.Configuration, "--api-key", ApiKey, "--key-prefix", "other:queue");
        Assert.Equal(2, code);
        Assert.Contains("holds no queue 'other:queue:", output, StringComparison.Ordinal);

        (code, output) = await CliAsync("dead-letters", "--redis", server.Configuration, "--account", "not-a-hash");
        Assert.Equal(2, code);
        Assert.Contains("16 hex digits", output, StringComparison.Ordinal);

        (code, output) = await CliAsync("dead-letters");
        Assert.Equal(2, code);
        Assert.Contains("--queue-path FILE", output, StringComparison.Ordinal);
    }

    /// <summary>Enqueues the item, takes it as a sender would and dead-letters it.</summary>
    private async Task<QueuedItem> DeadLetterAsync(RedisEventQueue queue, QueuedItem item, string reason)
    {
        Assert.True(queue.Enqueue(item).Accepted);
        Assert.True(await queue.WhenDurableAsync(item, _timeout));
        QueuedItem? taken = null;
        while (taken is null && await queue.WaitToReadAsync(_timeout)) queue.TryDequeue(out taken);
        Assert.Equal(item.MessageId, taken!.MessageId);
        await queue.DeadLetterAsync(taken, reason, _timeout);
        return taken;
    }

    private Task<(int ExitCode, string Output)> CliAsync(params string[] args) => Replica.FinishAsync(Replica.Start(_dir, args), s_cliTimeout);
}
