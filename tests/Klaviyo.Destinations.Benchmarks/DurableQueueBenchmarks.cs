using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;

namespace Klaviyo.Destinations.Benchmarks;

/// <summary>
/// Issue 6: the durable queue's write throughput. Items are 236-byte events (the size of a typical tracked event's
/// record); a reader takes and completes them concurrently, as the sender does, so deletes share the commits.
/// <list type="bullet">
/// <item><see cref="GroupCommit"/>: 100,000 items handed over as fast as possible, until the last one is on disk.
/// One operation = one item; durable items/s = 1e9 / ns per op.</item>
/// <item><see cref="AwaitEach"/>: one caller awaiting each item's durability in turn (<c>TrackAsync</c> in a loop), so
/// every item pays a whole commit. One operation = one item.</item>
/// </list>
/// Both with <c>SyncToDisk</c> on (fsync per commit, the default) and off.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 10)]
public class DurableQueueBenchmarks
{
    public const int Items = 100_000;
    public const int Awaited = 2_000;

    private string _directory = "";
    private SqliteEventQueue? _queue;
    private Task? _reader;
    private QueuedItem[] _items = [];

    [Params(true, false)]
    public bool SyncToDisk { get; set; } = true;

    [IterationSetup]
    public void Open()
    {
        _directory = Path.Combine(Path.GetTempPath(), "klaviyo-bench-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(_directory);
        _queue = new SqliteEventQueue(new SqliteEventQueueOptions { Path = Path.Combine(_directory, "queue.db"), SyncToDisk = SyncToDisk });
        _items = new QueuedItem[Items];
        for (var i = 0; i < Items; i++) _items[i] = Item(i);
        var queue = _queue;
        _reader = Task.Run(async () =>
        {
            while (await queue.WaitToReadAsync(CancellationToken.None))
                while (queue.TryDequeue(out var item))
                    await queue.CompleteAsync(item, CancellationToken.None);
        });
    }

    [IterationCleanup]
    public void Close()
    {
        _queue!.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _reader!.GetAwaiter().GetResult();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(OperationsPerInvoke = Items, Description = "hand-off → on disk, 100,000 items (group commit)")]
    public async Task<long> GroupCommit()
    {
        var queue = _queue!;
        QueuedItem? last = null;
        foreach (var item in _items)
        {
            // A full hand-off refuses; a caller that must not lose the item waits for the disk to catch up.
            while (!queue.Enqueue(item).Accepted) await queue.WhenDurableAsync(last!, CancellationToken.None);
            last = item;
        }
        if (!await queue.WhenDurableAsync(last!, CancellationToken.None)) throw new InvalidOperationException("The last item was not kept.");
        return queue.Commits;
    }

    [Benchmark(OperationsPerInvoke = Awaited, Description = "one caller awaiting each item (a commit per item)")]
    public async Task<long> AwaitEach()
    {
        var queue = _queue!;
        for (var i = 0; i < Awaited; i++)
        {
            var item = _items[i];
            if (!queue.Enqueue(item).Accepted || !await queue.WhenDurableAsync(item, CancellationToken.None))
                throw new InvalidOperationException("The item was not kept.");
        }
        return queue.Commits;
    }

    private static readonly byte[] Profile = Encoding.UTF8.GetBytes("""{"external_id":"user-17","email":"user-17@example.com"}""");

    private static QueuedItem Item(int n) => new()
    {
        Kind = ItemKind.Event,
        MessageId = "m-" + n,
        UserId = "user-" + (n % 500),
        UserKey = "user-" + (n % 500),
        Profile = Profile,
        Properties = Encoding.UTF8.GetBytes($$"""{"product_id":"sku-{{n}}","price":19.99,"currency":"USD"}"""),
        Metric = "Product Viewed",
        UniqueId = "m-" + n,
        Time = new DateTimeOffset(2026, 8, 3, 12, 0, 0, TimeSpan.Zero),
        AcceptedAt = new DateTimeOffset(2026, 8, 3, 12, 0, 0, TimeSpan.Zero),
    };
}
