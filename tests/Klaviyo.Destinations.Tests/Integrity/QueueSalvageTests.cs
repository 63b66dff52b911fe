using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Klaviyo.Destinations.Tests.Cli;
using Klaviyo.Destinations.Tests.Durability;
using Klaviyo.Emulator;
using Microsoft.Data.Sqlite;

namespace Klaviyo.Destinations.Tests.Integrity;

/// <summary>
/// <c>klaviyo-dest queue salvage</c> on real damaged files: what comes back is exactly the items whose bytes are still
/// readable, in order; the damaged file is never changed; the salvaged file is delivered by a normal start.
/// </summary>
public sealed class QueueSalvageTests : IDisposable
{
    private const int PageSize = 4096;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string DbPath => _dir.File("queue.db");

    private string Salvaged => _dir.File("queue.db.salvaged");

    private static QueuedItem Item(int i) => new()
    {
        Kind = ItemKind.Event,
        MessageId = $"msg-{i:D5}",
        UserKey = $"user-{i % 7}",
        UserId = $"user-{i % 7}",
        Metric = "Viewed Product",
        UniqueId = $"msg-{i:D5}",
        Time = new DateTimeOffset(2026, 8, 3, 12, 0, 0, TimeSpan.Zero).AddMinutes(i),
        Profile = Encoding.UTF8.GetBytes($$"""{"external_id":"user-{{i % 7}}","email":"user-{{i % 7}}@example.com"}"""),
        Properties = Encoding.UTF8.GetBytes($$"""{"sku":"sku-{{i}}","note":"{{new string('n', 60 + i % 40)}}"}"""),
    };

    /// <summary>Writes <paramref name="count"/> items to a queue and closes it (everything checkpointed into the file).</summary>
    private async Task StoreAsync(int count)
    {
        await using (var queue = new SqliteEventQueue(DbPath))
        {
            var items = Enumerable.Range(0, count).Select(Item).ToList();
            foreach (var item in items) Assert.True(queue.Enqueue(item).Accepted);
            foreach (var item in items) Assert.True(await queue.WhenDurableAsync(item, CancellationToken.None));
        }
        Assert.False(File.Exists(DbPath + "-wal") && new FileInfo(DbPath + "-wal").Length > 0, "the queue left a write-ahead log behind");
    }

    /// <summary>Where each item's record sits in the (undamaged) file: seq → (message id, first byte, last byte + 1).</summary>
    private Dictionary<long, (string MessageId, long Start, long End)> Locate()
    {
        var records = new List<(long Seq, byte[] Record)>();
        using (var connection = new SqliteConnection($"Data Source={DbPath};Mode=ReadOnly;Pooling=False"))
        {
            connection.Open();
            using var read = connection.CreateCommand();
            read.CommandText = "SELECT seq, record FROM items ORDER BY seq";
            using var reader = read.ExecuteReader();
            while (reader.Read()) records.Add((reader.GetInt64(0), (byte[])reader.GetValue(1)));
        }
        var file = File.ReadAllBytes(DbPath);
        var located = new Dictionary<long, (string, long, long)>();
        foreach (var (seq, record) in records)
        {
            // Pages keep stale bytes (a split leaves the old cells behind): the live copy is the one inside the cell
            // content area of a table leaf page.
            var live = new List<long>();
            for (var from = 0; from < file.Length;)
            {
                var found = file.AsSpan(from).IndexOf(record);
                if (found < 0) break;
                var at = from + found;
                var pageStart = PageOf(at) * PageSize;
                var header = pageStart == 0 ? 100 : pageStart;
                var contentStart = pageStart + ((file[header + 5] << 8) | file[header + 6]);
                if (file[header] == 0x0D && at >= contentStart) live.Add(at);
                from = at + 1;
            }
            Assert.True(live.Count == 1, $"record {seq}: {live.Count} live copies");
            located[seq] = (QueuedItemCodec.Decode(record).MessageId, live[0], live[0] + record.Length);
        }
        return located;
    }

    private static long PageOf(long offset) => offset / PageSize;

    /// <summary>The salvaged queue's items (seq, message id) and dead letters (seq, reason), in order.</summary>
    private static (List<(long Seq, string MessageId)> Items, List<(long Seq, string Reason)> DeadLetters) ReadQueue(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        connection.Open();
        var items = new List<(long, string)>();
        using (var read = connection.CreateCommand())
        {
            read.CommandText = "SELECT seq, record, crc FROM items ORDER BY seq";
            using var reader = read.ExecuteReader();
            while (reader.Read())
            {
                var record = (byte[])reader.GetValue(1);
                Assert.Equal(RecordChecksum.Of(record), reader.GetInt64(2));
                items.Add((reader.GetInt64(0), QueuedItemCodec.Decode(record).MessageId));
            }
        }
        var letters = new List<(long, string)>();
        using (var read = connection.CreateCommand())
        {
            read.CommandText = "SELECT seq, reason FROM dead_letters ORDER BY seq";
            using var reader = read.ExecuteReader();
            while (reader.Read()) letters.Add((reader.GetInt64(0), reader.GetString(1)));
        }
        return (items, letters);
    }

    private static void Overwrite(string path, long offset, int length, byte value)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        stream.Position = offset;
        stream.Write(Enumerable.Repeat(value, length).ToArray());
    }

    private static void Sql(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static void Damage(SqliteConnection connection, long seq, string text, byte first, bool keepChecksum)
    {
        using var read = connection.CreateCommand();
        read.CommandText = "SELECT record FROM items WHERE seq = $seq";
        read.Parameters.AddWithValue("$seq", seq);
        var record = (byte[])read.ExecuteScalar()!;
        var at = record.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text));
        Assert.True(at > 0);
        record[at] = first;
        using var write = connection.CreateCommand();
        write.CommandText = keepChecksum ? "UPDATE items SET record = $r WHERE seq = $seq" : "UPDATE items SET record = $r, crc = NULL WHERE seq = $seq";
        write.Parameters.AddWithValue("$seq", seq);
        write.Parameters.AddWithValue("$r", record);
        write.ExecuteNonQuery();
    }

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    [Fact]
    public async Task A_truncated_file_gives_back_exactly_the_items_on_the_pages_that_are_left()
    {
        await StoreAsync(600);
        var located = Locate();
        var cut = (PageOf(located[450].Start) + 0) * PageSize;
        using (var stream = new FileStream(DbPath, FileMode.Open, FileAccess.Write)) stream.SetLength(cut);
        var before = Hash(DbPath);

        var report = QueueSalvage.Run(DbPath, Salvaged);

        var expected = located.Where(l => l.Value.End <= cut).OrderBy(l => l.Key).Select(l => (l.Key, l.Value.MessageId)).ToList();
        Assert.InRange(expected.Count, 300, 449);
        var (items, letters) = ReadQueue(Salvaged);
        Assert.Equal(expected, items);
        Assert.Empty(letters);
        Assert.Equal("partial", report.Outcome);
        Assert.Equal(expected.Count, report.Recovered);
        Assert.Equal([new SkippedRange("items", expected[^1].Key + 1, null)], report.Unreadable);
        Assert.Equal(before, Hash(DbPath));
    }

    [Fact]
    public async Task Garbage_across_a_page_boundary_costs_the_items_on_the_overwritten_page_and_the_one_whose_bytes_it_touched()
    {
        await StoreAsync(600);
        var located = Locate();
        var page = PageOf(located[300].Start);
        var boundary = (page + 1) * PageSize;
        var onNextPage = located.Where(l => PageOf(l.Value.Start) == page + 1).Select(l => l.Key).Order().ToList();
        Assert.True(onNextPage.Count > 5, "the next page holds items");
        // 16 bytes before the boundary (the end of page k's last cell: its checksum and the tail of its record) and the whole next page.
        Overwrite(DbPath, boundary - 16, 16 + PageSize, 0x5A);
        var touched = located.Where(l => l.Value.Start < boundary && l.Value.End + 6 > boundary - 16).Select(l => l.Key).ToList();
        Assert.Single(touched);
        var before = Hash(DbPath);

        var report = QueueSalvage.Run(DbPath, Salvaged);

        var expected = located.Where(l => !onNextPage.Contains(l.Key) && !touched.Contains(l.Key)).OrderBy(l => l.Key).Select(l => (l.Key, l.Value.MessageId)).ToList();
        var (items, letters) = ReadQueue(Salvaged);
        Assert.Equal(expected, items);
        Assert.Equal(touched, letters.Select(l => l.Seq));
        Assert.Contains("corrupt record", letters[0].Reason);
        Assert.Equal([new SkippedRange("items", onNextPage[0], onNextPage[^1])], report.Unreadable);
        Assert.Equal((expected.Count, 1L, 0L, "partial"), (report.Recovered, report.CorruptRecords, report.DeadLettersKept, report.Outcome));
        Assert.Equal(before, Hash(DbPath));

        // The salvaged file is a queue the runtime opens as it is.
        await using var reopened = new SqliteEventQueue(Salvaged);
        Assert.Equal(expected.Count, reopened.StoredCount);
        Assert.Equal(1, reopened.DeadLetterCount);
    }

    [Fact]
    public async Task A_damaged_file_header_is_rebuilt_on_a_copy_and_every_item_comes_back()
    {
        await StoreAsync(300);
        var located = Locate();
        Overwrite(DbPath, 0, 100, 0xA5);
        Assert.Throws<KlaviyoConfigurationException>(() => new SqliteEventQueue(DbPath));
        var before = Hash(DbPath);

        var report = QueueSalvage.Run(DbPath, Salvaged);

        Assert.True(report.HeaderRebuilt);
        Assert.Equal("complete", report.Outcome);
        Assert.Equal(located.OrderBy(l => l.Key).Select(l => (l.Key, l.Value.MessageId)), ReadQueue(Salvaged).Items);
        Assert.Equal(before, Hash(DbPath));
    }

    [Fact]
    public async Task Items_that_fail_their_checks_become_dead_letters_and_the_old_dead_letters_and_retry_state_are_kept()
    {
        await StoreAsync(10);
        using (var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            connection.Open();
            // seq 1 was given up with Klaviyo's answer, seq 2 was retried twice: both states must survive the salvage.
            Sql(connection, """
                INSERT INTO dead_letters (seq, failed_at, attempts, reason, record) SELECT seq, 1785758400000, 5, '400 invalid: the metric name is too long', record FROM items WHERE seq = 1;
                DELETE FROM items WHERE seq = 1;
                UPDATE items SET attempts = 2 WHERE seq = 2;
                """);
            // seq 5: bad UTF-8 inside the message id, no checksum (the decoder catches it); seq 7: a changed byte that still
            // decodes, checksum kept (the checksum catches it).
            Damage(connection, 5, "msg-00004", 0xFF, keepChecksum: false);
            Damage(connection, 7, "user-6", (byte)'v', keepChecksum: true);
        }

        var report = QueueSalvage.Run(DbPath, Salvaged);

        var (items, letters) = ReadQueue(Salvaged);
        Assert.Equal([2L, 3, 4, 6, 8, 9, 10], items.Select(i => i.Seq));
        Assert.Equal([1L, 5, 7], letters.Select(l => l.Seq));
        Assert.Equal("400 invalid: the metric name is too long", letters[0].Reason);
        Assert.Contains("corrupt record", letters[1].Reason);
        Assert.Contains("checksum mismatch", letters[2].Reason);
        Assert.Equal((7L, 2L, 1L, "partial"), (report.Recovered, report.CorruptRecords, report.DeadLettersKept, report.Outcome));
        using var check = new SqliteConnection($"Data Source={Salvaged};Mode=ReadOnly;Pooling=False");
        check.Open();
        using var attempts = check.CreateCommand();
        attempts.CommandText = "SELECT attempts FROM items WHERE seq = 2";
        Assert.Equal(2L, attempts.ExecuteScalar());
    }

    [Fact]
    public async Task The_salvaged_file_is_delivered_by_a_normal_start_and_items_sent_before_the_damage_are_not_duplicated()
    {
        await StoreAsync(400);
        var located = Locate();
        Overwrite(DbPath, (PageOf(located[200].Start)) * PageSize, PageSize, 0x00);
        Assert.Throws<KlaviyoConfigurationException>(() => new SqliteEventQueue(DbPath));
        var report = QueueSalvage.Run(DbPath, Salvaged);
        var recovered = ReadQueue(Salvaged).Items.Select(i => i.MessageId).ToList();
        Assert.Equal(report.Recovered, recovered.Count);
        Assert.InRange(recovered.Count, 350, 399);

        await using var klaviyo = await KlaviyoEmulator.StartAsync(new KlaviyoEmulatorOptions { Port = 0, RateLimitsEnabled = false });
        // The app had already sent some of these before the file was damaged (sent, not yet removed): a copy of the
        // salvaged file delivered first stands for that earlier delivery.
        File.Copy(Salvaged, _dir.File("earlier.db"));
        foreach (var path in new[] { _dir.File("earlier.db"), Salvaged })
        {
            var outcomes = new List<DeliveryOutcome>();
            var options = new KlaviyoDestinationOptions { ApiKey = "pk_salvage_test", BaseUrl = klaviyo.BaseAddress, QueuePath = path, OnOutcome = o => { lock (outcomes) outcomes.Add(o); } };
            await using (var analytics = new Analytics(options))
                await analytics.FlushAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
            Assert.Equal(recovered.Count, outcomes.Count(o => o.Status == DeliveryStatus.Delivered));
        }

        var events = klaviyo.State.Events;
        Assert.Equal(recovered.Order(StringComparer.Ordinal), events.Select(e => e.UniqueId!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_command_reports_json_and_exit_code_and_with_replace_puts_the_salvaged_file_in_place()
    {
        await StoreAsync(300);
        var located = Locate();
        Overwrite(DbPath, (PageOf(located[150].Start)) * PageSize, PageSize, 0x5A);
        var damaged = Hash(DbPath);
        var message = Assert.Throws<KlaviyoConfigurationException>(() => new SqliteEventQueue(DbPath)).Message;
        Assert.Contains($"klaviyo-dest queue salvage --queue-path \"{DbPath}\" --replace", message);

        var (exit, stdout, stderr) = await CliProcess.RunAsync(_dir.Path, "queue", "salvage", "--queue-path", DbPath, "--replace");

        Assert.True(exit == 1, $"exit {exit}: {stderr}");
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;
        Assert.Equal("partial", root.GetProperty("outcome").GetString());
        var recovered = root.GetProperty("recovered").GetInt64();
        var unreadable = root.GetProperty("unreadable_rows_at_most").GetInt64();
        Assert.Equal(300, recovered + unreadable);
        Assert.InRange(unreadable, 1, 40);
        Assert.Equal(DbPath + ".damaged", root.GetProperty("source").GetString());
        Assert.Equal(DbPath, root.GetProperty("target").GetString());
        Assert.Contains($"Salvaged {recovered:N0} items", stderr);
        Assert.Equal(damaged, Hash(DbPath + ".damaged"));
        await using (var queue = new SqliteEventQueue(DbPath))
            Assert.Equal(recovered, queue.StoredCount);

        // A healthy file: exit 0, nothing lost; the target must be new.
        var again = await CliProcess.RunAsync(_dir.Path, "queue", "salvage", "--queue-path", DbPath, "--out", _dir.File("copy.db"));
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.Equal("complete", JsonDocument.Parse(again.Stdout).RootElement.GetProperty("outcome").GetString());
        var exists = await CliProcess.RunAsync(_dir.Path, "queue", "salvage", "--queue-path", DbPath, "--out", _dir.File("copy.db"));
        Assert.Equal(2, exists.ExitCode);
        Assert.Contains("already exists", exists.Stderr);
    }
}
