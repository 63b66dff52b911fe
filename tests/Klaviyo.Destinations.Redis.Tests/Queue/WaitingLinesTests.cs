namespace Klaviyo.Destinations.Redis.Tests.Queue;

/// <summary>
/// The holder's waiting items: one line per partition in the order read (stream order); only a line's first item can
/// go, the lowest sequence first between lines. No Redis needed.
/// </summary>
public sealed class WaitingLinesTests
{
    private static List<long> Drain(WaitingLines lines)
    {
        var order = new List<long>();
        while (lines.TryPeek(out var next))
        {
            Assert.True(lines.Remove(next));
            order.Add(next);
        }
        Assert.Equal(0, lines.Count);
        return order;
    }

    [Fact]
    public void A_partitions_items_leave_in_the_order_read_even_when_their_sequences_are_not_in_that_order()
    {
        var lines = new WaitingLines(2);
        // Partition 0 read: replica 3's item, replica 1's, replica 2's (sequences from far-apart ranges).
        lines.Add(0, 300);
        lines.Add(0, 100);
        lines.Add(0, 200);
        // Partition 1 read: two items of replica 1.
        lines.Add(1, 101);
        lines.Add(1, 102);
        Assert.Equal(5, lines.Count);

        // Between lines the lowest first item goes first; within a line, the order read.
        Assert.Equal([101, 102, 300, 100, 200], Drain(lines));
        Assert.False(lines.TryPeek(out _));
    }

    [Fact]
    public void Removing_an_item_that_is_not_first_keeps_the_rest_of_its_line_in_order_and_removing_the_first_lets_the_next_go()
    {
        var lines = new WaitingLines(1);
        foreach (var sequence in new long[] { 50, 10, 40, 20 }) lines.Add(0, sequence);
        // Finished without being handed out (its partition handed over, or a copy): taken out of the middle.
        Assert.True(lines.Remove(40));
        Assert.False(lines.Remove(40));
        Assert.True(lines.TryPeek(out var first));
        Assert.Equal(50, first);
        Assert.True(lines.Remove(50));
        Assert.True(lines.TryPeek(out first));
        Assert.Equal(10, first);
        lines.Add(0, 5);
        Assert.Equal([10, 20, 5], Drain(lines));
    }
}
