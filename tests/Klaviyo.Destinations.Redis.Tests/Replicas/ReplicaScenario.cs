using Klaviyo.Destinations.Redis.Tests.Support;
using Klaviyo.Emulator;
using StackExchange.Redis;

namespace Klaviyo.Destinations.Redis.Tests.Replicas;

/// <summary>Shared set-up of the replica scenarios: the settings every replica gets, and a look into the queue's streams.</summary>
internal static class ReplicaScenario
{
    public const int Partitions = 8;

    /// <summary>The environment of a replica: the Klaviyo and Redis settings a deployment would set (see docs/scale-out.md).</summary>
    public static Dictionary<string, string> Settings(RedisServer redis, KlaviyoEmulator klaviyo, string apiKey, params (string Key, string Value)[] more)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Klaviyo__ApiKey"] = apiKey,
            ["Klaviyo__BaseUrl"] = klaviyo.BaseAddress.ToString(),
            ["Klaviyo__QueueStorage"] = "Redis",
            ["Klaviyo__Redis__Configuration"] = redis.Configuration,
            ["Klaviyo__Redis__Queue__Partitions"] = Partitions.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // A dead replica's partitions are taken over after 2 s (default 10 s), so the scenarios stay short.
            ["Klaviyo__Redis__Queue__LeaseDuration"] = "00:00:02",
            ["Klaviyo__Redis__Queue__PollInterval"] = "00:00:00.100",
            ["Klaviyo__Redis__Queue__RetryInterval"] = "00:00:00.250",
            ["Klaviyo__Redis__RetryInterval"] = "00:00:00.250",
        };
        foreach (var (key, value) in more) settings[key] = value;
        return settings;
    }

    public static async Task<ReplicaApp[]> StartAsync(int count, Dictionary<string, string> settings) =>
        await Task.WhenAll(Enumerable.Range(1, count).Select(k => ReplicaApp.StartAsync($"replica-{k}", settings)));

    /// <summary>The queue's partition streams in Redis for this account.</summary>
    public static RedisKey[] Streams(string apiKey) =>
        [.. Enumerable.Range(0, Partitions).Select(new RedisQueueKeys($"klaviyo:queue:{AccountKey.Of(apiKey)}", Partitions).Stream)];

    /// <summary>Entries still in the streams (stored, not yet finished) and entries read but not finished, by consumer (replica number).</summary>
    public static async Task<(long Stored, Dictionary<string, long> PendingBy)> PeekAsync(IDatabase db, string apiKey)
    {
        long stored = 0;
        var pending = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var stream in Streams(apiKey))
        {
            stored += await db.StreamLengthAsync(stream);
            var info = await db.StreamPendingAsync(stream, "klaviyo");
            foreach (var consumer in info.Consumers) pending[consumer.Name!] = pending.GetValueOrDefault(consumer.Name!) + consumer.PendingMessageCount;
        }
        return (stored, pending);
    }
}
