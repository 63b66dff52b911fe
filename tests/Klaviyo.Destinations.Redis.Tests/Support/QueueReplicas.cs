namespace Klaviyo.Destinations.Redis.Tests.Support;

/// <summary>What the in-process replica tests (one queue per replica, each on its own connection) ask of their replicas.</summary>
internal static class QueueReplicas
{
    /// <summary>The number of a test item (<see cref="QueueItems.Event"/>'s message id is <c>user/n</c>).</summary>
    public static int Number(QueuedItem item) => int.Parse(item.MessageId.Split('/')[1], System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Waits, lease period after lease period (a real signal: each replica's heartbeat-and-rebalance pass), until <paramref name="condition"/> holds.</summary>
    public static async Task UntilAsync(Func<bool> condition, CancellationToken timeout, params RedisEventQueue[] queues)
    {
        while (!condition()) await Task.WhenAny(queues.Select(q => q.NextTickAsync())).WaitAsync(timeout);
    }

    /// <summary>Each replica holds exactly its fair share, the shares add up to every partition, and no partition is held twice.</summary>
    public static bool Fair(int partitions, params RedisEventQueue[] queues) =>
        queues.All(q => q.LiveReplicas == queues.Length && q.OwnedPartitions.Count == q.FairShare)
        && queues.SelectMany(q => q.OwnedPartitions).Order().SequenceEqual(Enumerable.Range(0, partitions));
}
