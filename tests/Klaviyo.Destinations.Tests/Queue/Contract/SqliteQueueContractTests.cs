using Klaviyo.Destinations.Tests.Durability;

namespace Klaviyo.Destinations.Tests.Queue.Contract;

/// <summary>The queue contract for <see cref="SqliteEventQueue"/>.</summary>
public sealed class SqliteQueueContractTests : DurableQueueContractTests
{
    private readonly TempDirectory _dir = new();

    private string DbPath => _dir.File("queue.db");

    protected override ValueTask<IEventQueue> CreateQueueAsync() =>
        ValueTask.FromResult<IEventQueue>(new SqliteEventQueue(new SqliteEventQueueOptions { Path = DbPath, SyncToDisk = false }, timeProvider: Clock));

    protected override ValueTask<IEventQueue> ReopenQueueAsync() => CreateQueueAsync();

    public override void Dispose()
    {
        base.Dispose();
        _dir.Dispose();
    }
}
