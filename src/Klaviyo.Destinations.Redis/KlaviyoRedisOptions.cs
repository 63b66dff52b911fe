namespace Klaviyo.Destinations.Redis;

/// <summary>
/// Settings of the Redis scale-out (the <c>Klaviyo:Redis</c> section): where Redis is and how a replica behaves when
/// it cannot reach it. See <c>docs/scale-out.md</c>.
/// </summary>
public sealed class KlaviyoRedisOptions
{
    /// <summary>
    /// A StackExchange.Redis configuration string, e.g. <c>redis:6379</c> or
    /// <c>redis-0:6379,redis-1:6379,password=…,ssl=true</c>. Not needed when an <c>IConnectionMultiplexer</c> is
    /// registered in the service collection (that one is used).
    /// </summary>
    public string? Configuration { get; set; }

    /// <summary>Prefix of every key this package writes (default <c>klaviyo</c>). The account part of a key is a hash of the API key, never the key.</summary>
    public string KeyPrefix { get; set; } = "klaviyo";

    /// <summary>
    /// While Redis cannot be reached, each replica paces itself locally with this share of every tier (default 0.25:
    /// right for four replicas). Set it to 1 / the number of replicas so that together they stay within the account's
    /// limits; a lower share is safe (slower), a higher one risks 429s (which are still retried).
    /// </summary>
    public double FallbackShare { get; set; } = 0.25;

    /// <summary>While Redis cannot be reached, how often a replica tries it again (default 1 s); in between, requests are paced locally.</summary>
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The shared durable queue's settings (section <c>Klaviyo:Redis:Queue</c>), used when <c>Klaviyo:QueueStorage</c> is
    /// <c>Redis</c>. Its keys are <c>&lt;Queue:KeyPrefix&gt;:&lt;account hash&gt;:…</c>: one queue per Klaviyo account.
    /// </summary>
    public RedisEventQueueOptions Queue { get; set; } = new();

    internal IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (!(FallbackShare > 0 && FallbackShare <= 1))
            problems.Add($"Klaviyo:Redis:FallbackShare {FallbackShare} must be in (0, 1]: the share of each rate tier a replica uses while Redis is unreachable (1 / the number of replicas).");
        if (RetryInterval <= TimeSpan.Zero)
            problems.Add($"Klaviyo:Redis:RetryInterval {RetryInterval} must be positive: how often a replica tries Redis again while it is unreachable (e.g. 00:00:01).");
        if (string.IsNullOrWhiteSpace(KeyPrefix))
            problems.Add("Klaviyo:Redis:KeyPrefix is empty: set a prefix for this package's Redis keys (default 'klaviyo').");
        return problems;
    }
}
