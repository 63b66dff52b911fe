namespace Klaviyo.Destinations.Tests.Delivery;

/// <summary>FlushAsync waits for exactly the items accepted before it, whatever order they finish in.</summary>
public sealed class FlushTrackerTests
{
    [Fact]
    public async Task A_flush_waits_for_earlier_tickets_even_when_later_ones_finish_first()
    {
        var tracker = new FlushTracker();
        var tickets = Enumerable.Range(0, 5).Select(_ => tracker.Open()).ToArray();
        var flush = tracker.WhenAllOpenedSoFarClosed(CancellationToken.None);
        var later = tracker.Open();

        tracker.Close(tickets[4]);
        tracker.Close(tickets[2]);
        tracker.Close(later);
        Assert.False(flush.IsCompleted);
        Assert.Equal(tickets[0], tracker.LowestOpen);

        tracker.Close(tickets[0]);
        tracker.Close(tickets[1]);
        Assert.False(flush.IsCompleted);
        tracker.Close(tickets[3]);
        await flush;
        Assert.Equal(0, tracker.OpenCount);
        Assert.Equal(long.MaxValue, tracker.LowestOpen);
    }

    [Fact]
    public void Many_open_tickets_grow_the_window_and_closing_twice_is_harmless()
    {
        var tracker = new FlushTracker();
        var tickets = Enumerable.Range(0, 5000).Select(_ => tracker.Open()).ToList();
        foreach (var t in tickets.Where(t => t % 2 == 0)) tracker.Close(t);
        tracker.Close(tickets[0]);
        tracker.Close(tickets[0]);
        Assert.Equal(2499, tracker.OpenCount);
        Assert.Equal(tickets[2], tracker.LowestOpen);
        Assert.True(tracker.WhenAllOpenedSoFarClosed(CancellationToken.None).IsCompleted is false);
        foreach (var t in tickets.Where(t => t % 2 == 1 && t != tickets[0])) tracker.Close(t);
        Assert.True(tracker.WhenAllOpenedSoFarClosed(CancellationToken.None).IsCompleted);
    }
}
