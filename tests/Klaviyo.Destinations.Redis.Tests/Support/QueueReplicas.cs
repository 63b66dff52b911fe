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

    /// <summary>
    /// Polls <paramref name="condition"/> every 50 ms until it holds. A Redis error while asking (the test's own connection
    /// not back yet after an outage) counts as "not yet".
    /// </summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, CancellationToken timeout)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        while (!await HoldsAsync(condition)) await timer.WaitForNextTickAsync(timeout);
    }

    /// <summary>The next item <paramref name="queue"/> hands out.</summary>
    public static async Task<QueuedItem> TakeOneAsync(RedisEventQueue queue, CancellationToken timeout)
    {
        QueuedItem? taken = null;
        while (taken is null && await queue.WaitToReadAsync(timeout)) queue.TryDequeue(out taken);
        return taken ?? throw new InvalidOperationException("The queue closed before it handed out an item.");
    }

    private static async Task<bool> HoldsAsync(Func<Task<bool>> condition)
    {
        try
        {
            return await condition();
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
        {
            return false;
        }
    }

    /// <summary>Each replica holds exactly its fair share, the shares add up to every partition, and no partition is held twice.</summary>
    public static bool Fair(int partitions, params RedisEventQueue[] queues) =>
        queues.All(q => q.LiveReplicas == queues.Length && q.OwnedPartitions.Count == q.FairShare)
        && queues.SelectMany(q => q.OwnedPartitions).Order().SequenceEqual(Enumerable.Range(0, partitions));
}
