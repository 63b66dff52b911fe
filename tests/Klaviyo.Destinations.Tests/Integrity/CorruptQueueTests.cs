using System.Collections.Concurrent;
using System.Text;
using Klaviyo.Destinations.Tests.Durability;
using Microsoft.Data.Sqlite;

namespace Klaviyo.Destinations.Tests.Integrity;

/// <summary>A damaged queue file never hangs delivery: a bad record is dead-lettered, damaged pages are reported with the way out.</summary>
public sealed class CorruptQueueTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string DbPath => _dir.File("queue.db");

    private static QueuedItem Item(int i) => new()
    {
        Kind = ItemKind.Event,
        MessageId = $"msg-{i}",
        UserKey = $"user-{i}",
        UserId = $"user-{i}",
        Metric = "Viewed",
        UniqueId = $"msg-{i}",
        Profile = Encoding.UTF8.GetBytes($$"""{"email":"u{{i}}@example.com"}"""),
        Properties = "{}"u8.ToArray(),
    };

    private async Task StoreAsync(int count)
    {
        await using var queue = new SqliteEventQueue(DbPath);
        var items = Enumerable.Range(0, count).Select(Item).ToList();
        foreach (var item in items) Assert.True(queue.Enqueue(item).Accepted);
        foreach (var item in items) Assert.True(await queue.WhenDurableAsync(item, CancellationToken.None));
    }

    private void Damage(long seq, Func<byte[], byte[]> change, bool keepChecksum)
    {
        using var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        connection.Open();
        using var read = connection.CreateCommand();
        read.CommandText = "SELECT record FROM items WHERE seq = $seq";
        read.Parameters.AddWithValue("$seq", seq);
        var record = change((byte[])read.ExecuteScalar()!);
        using var write = connection.CreateCommand();
        write.CommandText = keepChecksum ? "UPDATE items SET record = $r WHERE seq = $seq" : "UPDATE items SET record = $r, crc = NULL WHERE seq = $seq";
        write.Parameters.AddWithValue("$seq", seq);
        write.Parameters.AddWithValue("$r", record);
        write.ExecuteNonQuery();
    }

    private static byte[] Replace(byte[] record, string text, byte first)
    {
        var at = record.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text));
        Assert.True(at > 0);
        var copy = record.ToArray();
        copy[at] = first;
        return copy;
    }

    [Fact]
    public async Task Every_kind_of_damaged_record_is_dead_lettered_as_corrupt_and_every_good_record_is_delivered_without_a_hang()
    {
        await StoreAsync(10);
        Damage(2, r => Replace(r, "msg-1", 0xFF), keepChecksum: false);                              // bad UTF-8
        Damage(4, r => [r[0], r[1], 0x7F, .. r[3..]], keepChecksum: false);                         // a length past the end
        Damage(6, r => [r[0], r[1], 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, .. r[3..]], keepChecksum: false); // a huge varint
        Damage(8, r => Replace(r, "user-7", (byte)'v'), keepChecksum: true);                         // flipped bits that still decode

        var klaviyo = new ScriptedKlaviyo();
        var outcomes = new ConcurrentQueue<DeliveryOutcome>();
        var options = new KlaviyoDestinationOptions { ApiKey = "pk_corrupt_test", BaseUrl = new Uri("http://127.0.0.1:9"), QueuePath = DbPath, OnOutcome = outcomes.Enqueue };
        using var http = new HttpClient(klaviyo);
        await using (var analytics = new Analytics(options, http))
            await analytics.FlushAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);

        Assert.Equal(6, outcomes.Count(o => o.Status == DeliveryStatus.Delivered));
        Assert.DoesNotContain(klaviyo.Requests, r => r.Body.Contains("vser-7", StringComparison.Ordinal));
        await using var reopened = new SqliteEventQueue(DbPath);
        var letters = await reopened.ListDeadLettersAsync();
        Assert.Equal([2L, 4, 6, 8], letters.Select(l => l.Id).Order());
        Assert.All(letters, l => Assert.Contains("corrupt record", l.Reason));
        Assert.Equal(0, reopened.StoredCount);
    }

    [Fact]
    public async Task Damaged_pages_are_reported_at_open_with_the_way_out_and_the_lock_is_released()
    {
        await StoreAsync(400);
        await using (var stream = new FileStream(DbPath, FileMode.Open, FileAccess.ReadWrite))
        {
            Assert.True(stream.Length > 4 * 4096);
            stream.Position = 2 * 4096;
            stream.Write(Enumerable.Repeat((byte)0x5A, 4096).ToArray());
        }

        for (var attempt = 0; attempt < 2; attempt++)
        {
            // The second attempt proves the first released the owner lock: it reports the damage again, not "already open".
            var error = Assert.Throws<KlaviyoConfigurationException>(() => new SqliteEventQueue(DbPath));
            Assert.Contains("is damaged", error.Message);
            Assert.Contains("move the file aside", error.Message);
            Assert.DoesNotContain("already open", error.Message);
        }
    }
}

/// <summary>The queue file gives its room back once a backlog is delivered.</summary>
public sealed class QueueShrinkTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task After_a_drain_the_file_shrinks_to_a_fraction_of_the_backlog()
    {
        var path = _dir.File("queue.db");
        await using var queue = new SqliteEventQueue(path);
        var items = Enumerable.Range(0, 4000).Select(i => new QueuedItem
        {
            Kind = ItemKind.Event,
            MessageId = $"m-{i}",
            UserKey = $"u-{i}",
            Metric = "Viewed",
            Profile = "{}"u8.ToArray(),
            Properties = Encoding.UTF8.GetBytes($$"""{"pad":"{{new string('x', 2000)}}"}"""),
        }).ToList();
        foreach (var item in items) Assert.True(queue.Enqueue(item).Accepted);
        foreach (var item in items) Assert.True(await queue.WhenDurableAsync(item, CancellationToken.None));
        var backlog = new FileInfo(path).Length;
        Assert.True(backlog > 6_000_000, $"{backlog} bytes");

        var taken = 0;
        while (taken < items.Count)
        {
            await queue.WaitToReadAsync(CancellationToken.None);
            while (queue.TryDequeue(out var item))
            {
                await queue.CompleteAsync(item, CancellationToken.None);
                taken++;
            }
        }
        await queue.WaitUntilEmptyAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(new FileInfo(path).Length < backlog / 10, $"{new FileInfo(path).Length} bytes after a drain of a {backlog}-byte backlog");
    }
}
