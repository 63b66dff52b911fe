using Klaviyo.Destinations.Redis.Tests.Support;
using StackExchange.Redis;

namespace Klaviyo.Destinations.Redis.Tests.Queue;

/// <summary>
/// A dead letter or a retry state written while Redis does not answer is not lost: it is kept (bounded, counted with the
/// write buffer), stored once Redis answers, exactly once, and the dead-lettered item stays in its stream until then.
/// </summary>
public sealed class RedisQueueOutcomeOutageTests
{
    private readonly CancellationToken _timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90)).Token;

    [RedisFact]
    public async Task A_dead_letter_made_while_Redis_is_down_is_stored_once_Redis_is_back_and_its_item_leaves_the_stream()
    {
        await using var server = await RedisServer.StartAsync(appendOnly: true, fsync: "always");
        await using var connection = await ConnectAsync(server);
        await using var queue = await OpenAsync(connection, "dl-outage", TimeSpan.FromMinutes(1), maxBuffered: 2);
        var item = QueueItems.Event("person-1", 1, "Dead Letter Outage Test");
        var taken = await TakeOneAsync(queue, item);

        await server.KillAsync();
        await queue.DeadLetterAsync(taken, "Klaviyo answered 400: bad phone", _timeout);
        // Kept in memory, counted as a dead letter and against the write buffer (2): one more item fits, not two.
        Assert.Equal(1, queue.DeadLetterCount);
        var accepted = QueueItems.Event("person-2", 1, "Dead Letter Outage Test");
        Assert.True(queue.Enqueue(accepted).Accepted);
        var refused = queue.Enqueue(QueueItems.Event("person-3", 1, "Dead Letter Outage Test"));
        Assert.False(refused.Accepted);
        Assert.Equal(EnqueueRefusal.Full, refused.Refusal);

        await server.StartAgainAsync();
        var db = connection.GetDatabase();
        await QueueReplicas.UntilAsync(async () => await db.ListLengthAsync("{dl-outage}:dead") > 0 && await GoneAsync(db, "{dl-outage:p:0}", taken.Sequence), _timeout);
        var letter = Assert.Single(await queue.ListDeadLettersAsync(cancellationToken: _timeout));
        Assert.Equal(taken.Sequence, letter.Id);
        Assert.Equal("Klaviyo answered 400: bad phone", letter.Reason);
        Assert.Equal("person-1/1", letter.MessageId);
        Assert.True(await queue.WhenDurableAsync(accepted, _timeout));
        Assert.Equal(1, queue.DeadLetterCount);
    }

    [RedisFact]
    public async Task A_dead_letter_write_whose_answer_is_lost_is_stored_exactly_once()
    {
        // Redis holds writes for longer than the client waits for an answer (CLIENT PAUSE WRITE): the first write of the
        // letter times out at the client, yet Redis runs it when the pause ends, after which the queue writes it again.
        await using var server = await RedisServer.StartAsync();
        await using var connection = await ConnectAsync(server);
        await using var admin = await ConnectAsync(server, admin: true);
        await using var queue = await OpenAsync(connection, "dl-paused", TimeSpan.FromMinutes(1), maxBuffered: 100);
        var taken = await TakeOneAsync(queue, QueueItems.Event("person-1", 1, "Dead Letter Pause Test"));
        var timeoutMs = ConfigurationOptions.Parse(server.Configuration).AsyncTimeout;

        await admin.GetDatabase().ExecuteAsync("CLIENT", "PAUSE", timeoutMs * 3, "WRITE");
        await queue.DeadLetterAsync(taken, "gave up", _timeout);
        Assert.Equal(1, queue.PendingLetters);   // the write timed out: kept for another try

        var db = admin.GetDatabase();
        await QueueReplicas.UntilAsync(async () => queue.PendingLetters == 0 && await SettledAsync(db, "{dl-paused:p:0}", accepted: 0), _timeout);
        Assert.Equal(1, await db.ListLengthAsync("{dl-paused}:dead"));
        Assert.Equal(taken.Sequence, Assert.Single(await queue.ListDeadLettersAsync(cancellationToken: _timeout)).Id);
    }

    [RedisFact]
    public async Task A_replica_closed_before_its_dead_letter_is_stored_leaves_the_item_to_the_next_holder()
    {
        await using var server = await RedisServer.StartAsync(appendOnly: true, fsync: "always");
        var lease = TimeSpan.FromMilliseconds(600);
        await using (var first = await ConnectAsync(server))
        {
            var queue = await OpenAsync(first, "dl-closed", lease, maxBuffered: 100);
            var taken = await TakeOneAsync(queue, QueueItems.Event("person-1", 1, "Dead Letter Close Test"));
            await server.KillAsync();
            await queue.DeadLetterAsync(taken, "gave up", _timeout);
            await queue.DisposeAsync();   // Redis never answered: the letter is not stored, the item stays in its stream
        }
        await server.StartAgainAsync();
        await using var second = await ConnectAsync(server);
        await using var next = await OpenAsync(second, "dl-closed", lease, maxBuffered: 100);
        // The first replica's lease runs out; the next holder claims the entry and hands the item out again.
        QueuedItem? again = null;
        while (again is null && await next.WaitToReadAsync(_timeout)) next.TryDequeue(out again);
        Assert.Equal("person-1/1", again!.MessageId);
        await next.DeadLetterAsync(again, "gave up again", _timeout);
        var db = second.GetDatabase();
        await QueueReplicas.UntilAsync(() => SettledAsync(db, "{dl-closed:p:0}", accepted: 0), _timeout);
        Assert.Equal("gave up again", Assert.Single(await next.ListDeadLettersAsync(cancellationToken: _timeout)).Reason);
    }

    [RedisFact]
    public async Task A_retry_state_recorded_while_Redis_is_down_is_stored_once_Redis_is_back()
    {
        await using var server = await RedisServer.StartAsync(appendOnly: true, fsync: "always");
        await using var connection = await ConnectAsync(server);
        await using var queue = await OpenAsync(connection, "retry-outage", TimeSpan.FromMinutes(1), maxBuffered: 100);
        var taken = await TakeOneAsync(queue, QueueItems.Event("person-1", 1, "Retry State Outage Test"));

        await server.KillAsync();
        taken.Attempts = 3;
        taken.NotBefore = new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);
        taken.FirstTakenAt = new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
        await queue.RecordRetryAsync(taken, _timeout);
        Assert.Equal(1, queue.PendingRetryStates);
        await server.StartAgainAsync();

        var db = connection.GetDatabase();
        var expected = $"3|{taken.NotBefore.Value.UtcTicks}|{taken.FirstTakenAt.Value.UtcTicks}";
        await QueueReplicas.UntilAsync(async () => queue.PendingRetryStates == 0 && (await db.HashValuesAsync("{retry-outage:p:0}:retry")).Length == 1, _timeout);
        Assert.Equal(expected, (string?)Assert.Single(await db.HashValuesAsync("{retry-outage:p:0}:retry")));

        // Finished afterwards: the state goes with the item.
        await queue.CompleteAsync(taken, _timeout);
        Assert.Empty(await db.HashValuesAsync("{retry-outage:p:0}:retry"));
    }

    private static async Task<IConnectionMultiplexer> ConnectAsync(RedisServer server, bool admin = false)
    {
        var config = ConfigurationOptions.Parse(server.Configuration);
        config.BacklogPolicy = BacklogPolicy.FailFast;
        config.AllowAdmin = admin;
        return await ConnectionMultiplexer.ConnectAsync(config);
    }

    private static Task<RedisEventQueue> OpenAsync(IConnectionMultiplexer connection, string prefix, TimeSpan lease, int maxBuffered) =>
        RedisEventQueue.OpenAsync(connection, new RedisEventQueueOptions
        {
            KeyPrefix = prefix, Partitions = 1, LeaseDuration = lease, MaxBuffered = maxBuffered,
            PollInterval = TimeSpan.FromMilliseconds(100), RetryInterval = TimeSpan.FromMilliseconds(100),
        });

    /// <summary>Enqueues the item, waits until Redis holds it, and takes it as a sender would.</summary>
    private async Task<QueuedItem> TakeOneAsync(RedisEventQueue queue, QueuedItem item)
    {
        Assert.True(queue.Enqueue(item).Accepted);
        Assert.True(await queue.WhenDurableAsync(item, _timeout));
        QueuedItem? taken = null;
        while (taken is null && await queue.WaitToReadAsync(_timeout)) queue.TryDequeue(out taken);
        Assert.Equal(item.MessageId, taken!.MessageId);
        return taken;
    }

    /// <summary>The stream holds exactly <paramref name="accepted"/> entries and none is pending.</summary>
    private static async Task<bool> SettledAsync(IDatabase db, string stream, int accepted) =>
        await db.StreamLengthAsync(stream) == accepted && (await db.StreamPendingAsync(stream, "klaviyo")).PendingMessageCount == 0;

    /// <summary>The stream holds no entry of item <paramref name="sequence"/>.</summary>
    private static async Task<bool> GoneAsync(IDatabase db, string stream, long sequence) =>
        !(await db.StreamRangeAsync(stream)).Any(e => (long)e["s"] == sequence);
}
