using System.Collections.Concurrent;

namespace Klaviyo.Destinations.Tests.Durability;

/// <summary>The durable queue on its own: group commit, reload order and retry state, dead letters, one owner, disk budget.</summary>
public sealed class SqliteEventQueueTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(30));

    public void Dispose()
    {
        _timeout.Dispose();
        _dir.Dispose();
    }

    private string DbPath => _dir.File("queue.db");

    [Fact]
    public async Task Items_enqueued_together_become_durable_in_few_group_commits_and_survive_reopening()
    {
        await using (var queue = new SqliteEventQueue(DbPath))
        {
            var items = Enumerable.Range(1, 2_000).Select(n => QueueItems.Event($"user-{n % 7}", n)).ToList();
            foreach (var item in items) Assert.True(queue.Enqueue(item).Accepted);
            foreach (var item in items) Assert.True(await queue.WhenDurableAsync(item, _timeout.Token));
            Assert.InRange(queue.Commits, 1, 200);
            Assert.Equal(2_000, queue.StoredCount);
        }
        await using (var reopened = new SqliteEventQueue(DbPath))
        {
            Assert.Equal(2_000, reopened.StoredCount);
            var taken = await QueueItems.TakeAsync(reopened, 2_000, _timeout.Token);
            Assert.Equal(Enumerable.Range(1, 2_000), taken.Select(QueueItems.N));
            Assert.Equal(taken.Select(i => i.Sequence).Order(), taken.Select(i => i.Sequence));
        }
    }

    [Fact]
    public async Task An_item_the_queue_never_accepted_is_not_reported_durable_even_after_others_were_stored()
    {
        await using var queue = new SqliteEventQueue(new SqliteEventQueueOptions { Path = DbPath, SyncToDisk = false });
        var stored = QueueItems.Event("u", 1);
        Assert.True(queue.Enqueue(stored).Accepted);
        Assert.True(await queue.WhenDurableAsync(stored, _timeout.Token));

        // Not (yet) handed to Enqueue: it has no sequence, so nothing the writer settled covers it.
        Assert.False(await queue.WhenDurableAsync(QueueItems.Event("u", 2), _timeout.Token));
    }

    [Fact]
    public async Task After_a_restart_unfinished_items_come_back_in_sequence_order_with_their_retry_state_and_new_items_follow()
    {
        var retryAt = new DateTimeOffset(2026, 8, 3, 13, 0, 0, TimeSpan.Zero);
        await using (var queue = new SqliteEventQueue(DbPath))
        {
            var items = Enumerable.Range(1, 10).Select(n => QueueItems.Event(n % 2 == 0 ? "even" : "odd", n)).ToList();
            foreach (var item in items) queue.Enqueue(item);
            await queue.WhenDurableAsync(items[^1], _timeout.Token);
            var taken = await QueueItems.TakeAsync(queue, 10, _timeout.Token);
            // 1, 2 delivered; 3 failed twice and waits; the rest were in flight when the process stopped.
            await queue.CompleteAsync(taken[0], default);
            await queue.CompleteAsync(taken[1], default);
            taken[2].Attempts = 2;
            taken[2].NotBefore = retryAt;
            taken[2].FirstTakenAt = retryAt.AddMinutes(-5);
            await queue.RecordRetryAsync(taken[2], default);
        }
        await using (var reopened = new SqliteEventQueue(DbPath))
        {
            var again = await QueueItems.TakeAsync(reopened, 8, _timeout.Token);
            Assert.Equal([3, 4, 5, 6, 7, 8, 9, 10], again.Select(QueueItems.N));
            Assert.Equal(2, again[0].Attempts);
            Assert.Equal(retryAt, again[0].NotBefore);
            Assert.Equal(retryAt.AddMinutes(-5), again[0].FirstTakenAt);
            Assert.All(again.Skip(1), i => Assert.Equal(0, i.Attempts));
            var next = QueueItems.Event("odd", 11);
            reopened.Enqueue(next);
            Assert.True(next.Sequence > again[^1].Sequence);
            Assert.Equal([11], (await QueueItems.TakeAsync(reopened, 1, _timeout.Token)).Select(QueueItems.N));
        }
    }

    [Fact]
    public async Task Dead_letters_keep_their_reason_across_restarts_and_replay_puts_them_back_with_attempts_reset()
    {
        await using (var queue = new SqliteEventQueue(DbPath))
        {
            var items = Enumerable.Range(1, 3).Select(n => QueueItems.Event("u", n)).ToList();
            foreach (var item in items) queue.Enqueue(item);
            var taken = await QueueItems.TakeAsync(queue, 3, _timeout.Token);
            taken[1].Attempts = 10;
            await queue.DeadLetterAsync(taken[1], "Gave up after 10 attempts; last answer: 503 Service Unavailable", default);
            await queue.CompleteAsync(taken[0], default);
            await queue.CompleteAsync(taken[2], default);
        }
        await using (var reopened = new SqliteEventQueue(DbPath))
        {
            Assert.Equal(0, reopened.StoredCount);
            var letters = await reopened.ListDeadLettersAsync(cancellationToken: _timeout.Token);
            var letter = Assert.Single(letters);
            Assert.Equal(("m-2", "u-2", 10, ItemKind.Event), (letter.MessageId, letter.UniqueId, letter.Attempts, letter.Kind));
            Assert.Contains("503", letter.Reason);

            Assert.Equal(1, await reopened.ReplayDeadLettersAsync(cancellationToken: _timeout.Token));
            Assert.Equal(0, reopened.DeadLetterCount);
            Assert.Empty(await reopened.ListDeadLettersAsync(cancellationToken: _timeout.Token));
            var replayed = Assert.Single(await QueueItems.TakeAsync(reopened, 1, _timeout.Token));
            Assert.Equal((2, 0), (QueueItems.N(replayed), replayed.Attempts));
            Assert.True(replayed.Sequence > letter.Id);
            await reopened.CompleteAsync(replayed, default);
            await reopened.WaitUntilEmptyAsync(_timeout.Token);
        }
    }

    [Fact]
    public async Task A_second_instance_on_the_same_path_is_refused_with_a_clear_error_until_the_first_is_disposed()
    {
        var first = new SqliteEventQueue(DbPath);
        var error = Assert.Throws<KlaviyoConfigurationException>(() => new SqliteEventQueue(DbPath));
        Assert.Contains("already open in another Analytics instance or process", error.Message);
        Assert.Contains(DbPath, error.Message);
        await first.DisposeAsync();
        await using var second = new SqliteEventQueue(DbPath);
        Assert.Equal(0, second.StoredCount);
    }

    [Fact]
    public async Task A_second_process_on_the_same_path_is_refused_and_the_path_is_free_once_the_owner_is_killed()
    {
        await using (var child = ChildProcess.Start("hold", "--queue-path", DbPath))
        {
            Assert.Equal("ready", await child.ReadLineAsync(_timeout.Token));
            var error = Assert.Throws<KlaviyoConfigurationException>(() => new SqliteEventQueue(DbPath));
            Assert.Contains("already open", error.Message);
            child.Kill();
            await child.WaitForExitAsync(_timeout.Token);
        }
        await using var owner = new SqliteEventQueue(DbPath);
        await using var refused = ChildProcess.Start("hold", "--queue-path", DbPath);
        var (code, stderr) = await refused.WaitForExitAsync(_timeout.Token);
        Assert.Equal(3, code);
        Assert.Contains("already open in another Analytics instance or process", stderr);
    }

    [Fact]
    public async Task Over_the_disk_budget_new_items_are_refused_with_the_reason_and_accepted_ones_are_kept()
    {
        await using var queue = new SqliteEventQueue(new SqliteEventQueueOptions { Path = DbPath, MaxBytes = 64 * 1024 });
        var accepted = new List<QueuedItem>();
        string? reason = null;
        for (var n = 1; n <= 200 && reason is null; n++)
        {
            var item = QueueItems.Event("u", n, padding: 1_000);
            var result = queue.Enqueue(item);
            if (result.Accepted) accepted.Add(item);
            else reason = result.Reason;
        }
        Assert.NotNull(reason);
        Assert.Contains("disk budget", reason);
        Assert.InRange(accepted.Count, 40, 64);
        foreach (var item in accepted) Assert.True(await queue.WhenDurableAsync(item, _timeout.Token));
        Assert.True(queue.StoredBytes <= 64 * 1024);
        // Delivering frees room again.
        var taken = await QueueItems.TakeAsync(queue, accepted.Count, _timeout.Token);
        foreach (var item in taken.Take(10)) await queue.CompleteAsync(item, default);
        await queue.WhenWrittenAsync().WaitAsync(_timeout.Token);
        Assert.Equal(accepted.Count - 10, queue.StoredCount);
        Assert.True(queue.Enqueue(QueueItems.Event("u", 1_000, padding: 1_000)).Accepted);
    }

    [Fact]
    public async Task With_drop_oldest_the_oldest_waiting_items_make_room_and_each_is_reported()
    {
        var dropped = new ConcurrentQueue<(QueuedItem Item, string Reason)>();
        await using (var queue = new SqliteEventQueue(new SqliteEventQueueOptions { Path = DbPath, MaxBytes = 64 * 1024, Overflow = QueueOverflowMode.DropOldest, ReadAhead = 2 }))
        {
            queue.ItemDropped += (_, e) => dropped.Enqueue((e.Item, e.Reason));
            var items = Enumerable.Range(1, 200).Select(n => QueueItems.Event("u", n, padding: 1_000)).ToList();
            foreach (var item in items) Assert.True(queue.Enqueue(item).Accepted);
            foreach (var item in items) await queue.WhenDurableAsync(item, _timeout.Token);
            Assert.True(queue.StoredBytes <= 64 * 1024);
            Assert.InRange(dropped.Count, 130, 160);
            Assert.All(dropped, d => Assert.Contains("DropOldest", d.Reason));
            Assert.Equal(200, dropped.Count + queue.StoredCount);
        }
        var droppedNumbers = dropped.Select(d => QueueItems.N(d.Item)).ToHashSet();
        await using var reopened = new SqliteEventQueue(DbPath);
        var kept = await QueueItems.TakeAsync(reopened, (int)reopened.StoredCount, _timeout.Token);
        // The newest survive, in order; only items already handed to the sender (read-ahead 2) are older than a dropped one.
        var keptNumbers = kept.Select(QueueItems.N).ToList();
        Assert.Equal(keptNumbers.Order(), keptNumbers);
        Assert.Contains(200, keptNumbers);
        Assert.Empty(keptNumbers.Intersect(droppedNumbers));
        Assert.InRange(keptNumbers.Count(n => n < droppedNumbers.Max()), 0, 2);
    }

    [Fact]
    public async Task A_barrier_requested_while_a_commit_is_running_waits_for_the_changes_made_before_it()
    {
        // Regression: a barrier added while a round without barriers was committing was released by that round, before
        // the later changes were written (the stored count then lagged, e.g. 55 instead of 46).
        await using var queue = new SqliteEventQueue(DbPath);
        var items = Enumerable.Range(1, 20).Select(n => QueueItems.Event("u", n)).ToList();
        foreach (var item in items) Assert.True(queue.Enqueue(item).Accepted);
        foreach (var item in items) Assert.True(await queue.WhenDurableAsync(item, _timeout.Token));
        var taken = await QueueItems.TakeAsync(queue, items.Count, _timeout.Token);

        var rounds = new[] { NewSignal(), NewSignal() };
        var round = 0;
        queue.RoundTaken = () => rounds[Math.Min(Interlocked.Increment(ref round), 2) - 1].TrySetResult();
        Task written;
        var first = await queue.HoldDatabaseAsync();
        await queue.CompleteAsync(taken[0], default);
        await rounds[0].Task.WaitAsync(_timeout.Token);
        // The writer holds a round with one change and waits for the database; these belong to the next round.
        foreach (var item in taken.Skip(1).Take(9)) await queue.CompleteAsync(item, default);
        written = queue.WhenWrittenAsync();
        var second = queue.HoldDatabaseAsync();
        first.Dispose();
        // The first round commits its one change; the test then holds the database, so the next round cannot commit.
        using (await second.WaitAsync(_timeout.Token))
        {
            await rounds[1].Task.WaitAsync(_timeout.Token);
            Assert.Equal(19, queue.StoredCount);
            Assert.False(written.IsCompleted, "The barrier was released before the changes made before it were written.");
        }
        await written.WaitAsync(_timeout.Token);
        Assert.Equal(10, queue.StoredCount);
    }

    [Fact]
    public async Task The_drops_of_a_commit_are_reported_before_its_items_are_answered_as_durable()
    {
        // Whoever awaits TrackAsync must find the outcomes of the items that commit gave up already reported.
        // Read-ahead 2: the stored items stay on disk, where DropOldest can pick them, so the newest item is always kept
        // however the writer splits the items into commits.
        await using var queue = new SqliteEventQueue(new SqliteEventQueueOptions { Path = DbPath, MaxBytes = 64 * 1024, Overflow = QueueOverflowMode.DropOldest, ReadAhead = 2 });
        var items = Enumerable.Range(1, 200).Select(n => QueueItems.Event("u", n, padding: 1_000)).ToList();
        Task<bool> last;
        var answeredBeforeReport = 0;
        var reports = 0;
        using (await queue.HoldDatabaseAsync())
        {
            foreach (var item in items) Assert.True(queue.Enqueue(item).Accepted);
            last = queue.WhenDurableAsync(items[^1], CancellationToken.None).AsTask(); // the waiter itself: completes as the queue answers
            queue.ItemDropped += (_, _) =>
            {
                reports++;
                if (last.IsCompleted) answeredBeforeReport++;
            };
        }
        Assert.True(await last.WaitAsync(_timeout.Token));
        Assert.InRange(reports, 130, 160);
        Assert.Equal(0, answeredBeforeReport);
    }

    [Fact]
    public async Task When_the_disk_is_full_new_items_are_refused_with_the_reason_and_completions_still_free_space()
    {
        var dropped = new ConcurrentQueue<(QueuedItem Item, string Reason)>();
        // A clock that never moves: nothing here may depend on the writer's retry pause.
        var time = StoppedClock();
        await using var queue = new SqliteEventQueue(new SqliteEventQueueOptions { Path = DbPath }, timeProvider: time);
        queue.ItemDropped += (_, e) => dropped.Enqueue((e.Item, e.Reason));
        var first = Enumerable.Range(1, 5).Select(n => QueueItems.Event("u", n, padding: 500)).ToList();
        foreach (var item in first) queue.Enqueue(item);
        foreach (var item in first) Assert.True(await queue.WhenDurableAsync(item, _timeout.Token));
        var taken = await QueueItems.TakeAsync(queue, 5, _timeout.Token);

        // The database may not grow any more: SQLite answers SQLITE_FULL, as on a full disk.
        var pages = Convert.ToInt64(await queue.PragmaAsync("page_count"), System.Globalization.CultureInfo.InvariantCulture);
        await queue.PragmaAsync($"max_page_count = {pages}");
        var refused = Enumerable.Range(100, 30).Select(n => QueueItems.Event("u", n, padding: 4_000)).ToList();
        using (await queue.HoldDatabaseAsync())
        {
            // Completions and new items meet in one commit, which fails; the completions are then written on their own.
            foreach (var item in taken) await queue.CompleteAsync(item, default);
            foreach (var item in refused) Assert.True(queue.Enqueue(item).Accepted);
        }
        foreach (var item in refused) Assert.False(await queue.WhenDurableAsync(item, _timeout.Token));
        await queue.WhenWrittenAsync().WaitAsync(_timeout.Token);

        Assert.Equal(refused.Select(QueueItems.N), dropped.Select(d => QueueItems.N(d.Item)).Order());
        Assert.All(dropped, d => Assert.Contains("could not be written to the durable queue", d.Reason));
        Assert.All(dropped, d => Assert.Contains("full", d.Reason));
        Assert.Equal(0, queue.StoredCount);
        Assert.Equal(0, queue.StoredBytes);

        await queue.PragmaAsync("max_page_count = 1073741823");
        var later = QueueItems.Event("u", 1_000, padding: 4_000);
        Assert.True(queue.Enqueue(later).Accepted);
        Assert.True(await queue.WhenDurableAsync(later, _timeout.Token));
        Assert.Equal(1, queue.StoredCount);
    }

    [Fact]
    public async Task When_the_database_refuses_writes_changes_are_kept_and_retried_after_a_pause_not_in_a_loop()
    {
        var time = new Support.TimerWatchingTimeProvider(StoppedClock());
        var log = new EventLog();
        await using var queue = new SqliteEventQueue(new SqliteEventQueueOptions { Path = DbPath }, log, time);
        var items = Enumerable.Range(1, 3).Select(n => QueueItems.Event("u", n)).ToList();
        foreach (var item in items) queue.Enqueue(item);
        foreach (var item in items) Assert.True(await queue.WhenDurableAsync(item, _timeout.Token));
        var taken = await QueueItems.TakeAsync(queue, 3, _timeout.Token);

        await queue.PragmaAsync("query_only = 1");
        var paused = time.WhenArmedAsync(TimeSpan.FromMilliseconds(100));
        foreach (var item in taken) await queue.CompleteAsync(item, default);
        var written = queue.WhenWrittenAsync();
        // The writer failed once and now pauses on the clock: no second attempt, the barrier still waits.
        await paused.WaitAsync(_timeout.Token);
        Assert.Equal((1, 1), (log.Count(109), log.Count(110)));
        Assert.False(written.IsCompleted);
        Assert.Equal(3, queue.StoredCount);

        await queue.PragmaAsync("query_only = 0");
        Assert.Equal(1, log.Count(109));
        time.Clock.Advance(TimeSpan.FromMilliseconds(100));
        await written.WaitAsync(_timeout.Token);
        Assert.Equal(1, log.Count(109));
        Assert.Equal(0, queue.StoredCount);
    }

    [Fact]
    public async Task Closing_while_the_database_refuses_writes_does_not_hang_and_the_next_open_still_has_every_item()
    {
        var time = StoppedClock();
        var log = new EventLog();
        var queue = new SqliteEventQueue(new SqliteEventQueueOptions { Path = DbPath }, log, time);
        var items = Enumerable.Range(1, 3).Select(n => QueueItems.Event("u", n)).ToList();
        foreach (var item in items) queue.Enqueue(item);
        foreach (var item in items) Assert.True(await queue.WhenDurableAsync(item, _timeout.Token));
        var taken = await QueueItems.TakeAsync(queue, 3, _timeout.Token);
        await queue.PragmaAsync("query_only = 1");
        await queue.CompleteAsync(taken[0], default);
        await log.WhenLogged(110).WaitAsync(_timeout.Token);
        await queue.DisposeAsync().AsTask().WaitAsync(_timeout.Token);
        Assert.Equal(1, log.Count(111));

        // The completion was never written: the item is sent again (its unique id keeps it from counting twice).
        await using var reopened = new SqliteEventQueue(DbPath);
        Assert.Equal(3, reopened.StoredCount);
    }

    /// <summary>A clock that moves only when the test advances it.</summary>
    private static Microsoft.Extensions.Time.Testing.FakeTimeProvider StoppedClock() => new(new DateTimeOffset(2026, 8, 3, 12, 0, 0, TimeSpan.Zero));

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Records the event ids the queue logs, and lets a test wait for one.</summary>
    private sealed class EventLog : Microsoft.Extensions.Logging.ILogger
    {
        private readonly ConcurrentDictionary<int, int> _counts = new();
        private readonly ConcurrentDictionary<int, TaskCompletionSource> _seen = new();

        public int Count(int eventId) => _counts.GetValueOrDefault(eventId);

        public Task WhenLogged(int eventId) => Seen(eventId).Task;

        private TaskCompletionSource Seen(int eventId) => _seen.GetOrAdd(eventId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            _counts.AddOrUpdate(eventId.Id, 1, (_, n) => n + 1);
            Seen(eventId.Id).TrySetResult();
        }
    }

    [Fact]
    public async Task Memory_stays_bounded_while_items_pile_up_on_disk()
    {
        await using var queue = new SqliteEventQueue(new SqliteEventQueueOptions { Path = DbPath, HandOffCapacity = 1_000, ReadAhead = 100 });
        var last = default(QueuedItem);
        var maxInMemory = 0;
        for (var n = 1; n <= 5_000; n++)
        {
            var item = QueueItems.Event($"u{n % 10}", n);
            while (!queue.Enqueue(item).Accepted) await queue.WhenDurableAsync(last!, _timeout.Token);
            last = item;
            maxInMemory = Math.Max(maxInMemory, queue.InMemoryCount);
        }
        await queue.WhenDurableAsync(last!, _timeout.Token);
        Assert.InRange(maxInMemory, 1, 1_100);
        Assert.Equal(5_000, queue.StoredCount);
        // Reading pages the rest in from disk, in order.
        var numbers = new List<int>();
        while (numbers.Count < 5_000 && await queue.WaitToReadAsync(_timeout.Token))
        {
            while (queue.TryDequeue(out var item))
            {
                numbers.Add(QueueItems.N(item));
                await queue.CompleteAsync(item, default);
            }
            Assert.InRange(queue.InMemoryCount, 0, 1_100);
        }
        Assert.Equal(Enumerable.Range(1, 5_000), numbers);
        await queue.WaitUntilEmptyAsync(_timeout.Token);
    }
}
