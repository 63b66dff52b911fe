namespace Klaviyo.Destinations.Redis;

/// <summary>
/// Settings of the shared durable queue on Redis Streams (<see cref="RedisEventQueue"/>). See <c>docs/scale-out.md</c>.
/// </summary>
public sealed class RedisEventQueueOptions
{
    /// <summary>Prefix of the queue's keys (default <c>klaviyo:queue</c>). Replicas that share a queue use the same prefix; give each Klaviyo account its own.</summary>
    public string KeyPrefix { get; set; } = "klaviyo:queue";

    /// <summary>
    /// Number of partition streams (default 16). A person's items always go to the same partition, and one replica at a
    /// time reads a partition, which keeps each person's items in order across replicas. Every replica of one queue
    /// must use the same number; changing it while items wait would reorder them.
    /// </summary>
    public int Partitions { get; set; } = 16;

    /// <summary>
    /// How long a replica's lease on a partition lasts without renewal (default 10 s; renewed every third of it). When
    /// a replica dies, another takes its partitions over after this long and delivers what it left unfinished.
    /// </summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Share the partitions fairly between the live replicas (default true): each replica announces itself with a
    /// heartbeat and holds its fair share (partitions / live replicas, the remainder to the oldest replicas), handing
    /// its surplus over gracefully when a replica joins and taking free partitions when one leaves or dies. False: a
    /// replica takes every free partition it finds, so the first one delivers everything and the others stand by until
    /// it stops (hot standby). Every replica of one queue should use the same setting.
    /// </summary>
    public bool Rebalance { get; set; } = true;

    /// <summary>
    /// Items accepted but not yet stored in Redis that a replica holds in memory (default 10,000). While Redis cannot be
    /// reached, a replica keeps accepting up to this many and then refuses new items as full, with the reason.
    /// </summary>
    public int MaxBuffered { get; set; } = 10_000;

    /// <summary>Items a replica reads ahead from its partitions (default 1,000).</summary>
    public int ReadAhead { get; set; } = 1_000;

    /// <summary>How often a replica looks for items other replicas added to its partitions (default 250 ms).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Dead letters kept (default 10,000); older ones are forgotten.</summary>
    public int MaxDeadLetters { get; set; } = 10_000;

    /// <summary>While Redis cannot be reached, how often the queue tries again (default 1 s).</summary>
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromSeconds(1);

    internal void Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(KeyPrefix)) problems.Add("KeyPrefix is empty: set a prefix for the queue's Redis keys (default 'klaviyo:queue').");
        else if (KeyPrefix.AsSpan().IndexOfAny('{', '}') >= 0) problems.Add($"KeyPrefix '{KeyPrefix}' contains '{{' or '}}': the queue puts its own Redis Cluster hash tags around it; use a prefix without braces.");
        if (Partitions is < 1 or > 1024) problems.Add($"Partitions {Partitions} must be between 1 and 1024 (default 16).");
        if (LeaseDuration < TimeSpan.FromMilliseconds(300)) problems.Add($"LeaseDuration {LeaseDuration} must be at least 300 ms (default 10 s).");
        if (MaxBuffered < 1) problems.Add($"MaxBuffered {MaxBuffered} must be positive (default 10,000).");
        if (ReadAhead < 1) problems.Add($"ReadAhead {ReadAhead} must be positive (default 1,000).");
        if (PollInterval <= TimeSpan.Zero) problems.Add($"PollInterval {PollInterval} must be positive (default 250 ms).");
        if (MaxDeadLetters < 1) problems.Add($"MaxDeadLetters {MaxDeadLetters} must be positive (default 10,000).");
        if (RetryInterval <= TimeSpan.Zero) problems.Add($"RetryInterval {RetryInterval} must be positive (default 1 s).");
        if (problems.Count > 0) throw new KlaviyoConfigurationException("The Redis queue's settings are wrong: " + string.Join(" ", problems));
    }
}
