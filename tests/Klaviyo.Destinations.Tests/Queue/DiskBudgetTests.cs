namespace Klaviyo.Destinations.Tests.Queue;

/// <summary>The durable queue's disk-budget rules, on their own: what is accepted, and which new items a full commit gives up.</summary>
public sealed class DiskBudgetTests
{
    [Fact]
    public void RefuseNew_refuses_an_item_that_would_go_over_counting_stored_waiting_and_committing_bytes()
    {
        Assert.True(DiskBudget.Admits(stored: 600, pending: 200, committing: 100, size: 100, maxBytes: 1_000, QueueOverflowMode.RefuseNew));
        Assert.False(DiskBudget.Admits(stored: 600, pending: 200, committing: 100, size: 101, maxBytes: 1_000, QueueOverflowMode.RefuseNew));
        // DropOldest accepts: older items make room at commit.
        Assert.True(DiskBudget.Admits(stored: 1_000, pending: 0, committing: 0, size: 500, maxBytes: 1_000, QueueOverflowMode.DropOldest));
    }

    [Fact]
    public void A_commit_still_over_gives_up_the_oldest_new_items_with_DropOldest_and_the_newest_with_RefuseNew()
    {
        long?[] sizes = [100, null, 100, 100, 100];
        Assert.Equal(150, DiskBudget.Excess(storedBefore: 900, freed: 50, newBytes: 300, maxBytes: 1_000));
        Assert.Equal([0, 2], DiskBudget.NewItemsToGiveUp(sizes, over: 150, QueueOverflowMode.DropOldest));
        Assert.Equal([4, 3], DiskBudget.NewItemsToGiveUp(sizes, over: 150, QueueOverflowMode.RefuseNew));
        Assert.Empty(DiskBudget.NewItemsToGiveUp(sizes, over: 0, QueueOverflowMode.RefuseNew));
    }
}
