namespace Klaviyo.Destinations.Redis.Tests.Queue;

/// <summary>
/// The writer's rounds partition by partition: a partition that cannot be written (its cluster node is down) holds back
/// only its own items, and never fills a round so that the other partitions' items wait behind it.
/// </summary>
public sealed class PartitionedWritesTests
{
    private sealed record Item(int Partition, int N);

    private static int PartitionOf(Item item) => item.Partition;

    [Fact]
    public void A_failing_partition_sends_only_its_oldest_item_so_the_others_fill_the_round()
    {
        // The buffer starts with 300 items of partition 2 (its node is down), then items of partitions 0 and 1.
        var buffer = Enumerable.Range(0, 300).Select(n => new Item(2, n)).Concat(Enumerable.Range(0, 10).Select(n => new Item(n % 2, n))).ToList();

        var round = PartitionedWrites.Select(buffer, PartitionOf, new HashSet<int> { 2 }, max: 256);

        Assert.Equal(11, round.Count);
        Assert.Equal(new Item(2, 0), round[0]);
        Assert.Equal(buffer.Skip(300), round.Skip(1));
        // Without a failing partition, a round is the oldest items, up to the limit.
        Assert.Equal(buffer.Take(256), PartitionedWrites.Select(buffer, PartitionOf, new HashSet<int>(), max: 256));
    }

    [Fact]
    public void Of_each_partition_the_items_before_its_first_failed_write_are_stored_and_other_partitions_are_not_held_back()
    {
        Item[] batch = [new(0, 0), new(1, 0), new(0, 1), new(1, 1), new(0, 2), new(2, 0)];
        bool[] written = [true, false, false, true, true, true];
        var failed = new HashSet<int>();

        var stored = PartitionedWrites.Stored(batch, PartitionOf, written, failed);

        // Partition 0: its second write failed, so its third (written) is sent again after it, never before it.
        // Partition 1: its first write failed; partition 2 is stored although it comes after both failures.
        Assert.Equal([true, false, false, false, false, true], stored);
        Assert.Equal([0, 1], failed.Order());
    }
}
