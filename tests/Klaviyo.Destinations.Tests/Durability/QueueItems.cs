using System.Text;

namespace Klaviyo.Destinations.Tests.Durability;

/// <summary>Queue items for the queue's own tests.</summary>
internal static class QueueItems
{
    public static QueuedItem Event(string user, int n, int padding = 0) => new()
    {
        Kind = ItemKind.Event,
        MessageId = $"m-{n}",
        UserId = user,
        UserKey = user,
        Profile = Encoding.UTF8.GetBytes($$"""{"external_id":"{{user}}"}"""),
        Properties = Encoding.UTF8.GetBytes($$"""{"n":{{n}},"pad":"{{new string('p', padding)}}"}"""),
        Metric = "Queue Test",
        UniqueId = $"u-{n}",
        Time = new DateTimeOffset(2026, 8, 3, 12, 0, 0, TimeSpan.Zero).AddSeconds(n),
        AcceptedAt = new DateTimeOffset(2026, 8, 3, 12, 0, 0, TimeSpan.Zero),
    };

    public static int N(QueuedItem item) => int.Parse(item.MessageId.AsSpan(2));

    /// <summary>Takes what the queue has ready, waiting for at least <paramref name="atLeast"/> items.</summary>
    public static async Task<List<QueuedItem>> TakeAsync(IEventQueue queue, int atLeast, CancellationToken cancellationToken)
    {
        var taken = new List<QueuedItem>();
        while (taken.Count < atLeast && await queue.WaitToReadAsync(cancellationToken))
            while (queue.TryDequeue(out var item)) taken.Add(item);
        return taken;
    }
}
