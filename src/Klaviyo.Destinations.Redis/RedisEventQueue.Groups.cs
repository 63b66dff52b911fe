using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Klaviyo.Destinations.Redis;

/// <summary>
/// The partition streams' consumer group: created when the queue opens, and again when Redis comes back without it
/// (restarted without persistence, or a failover to a replica that had not received it), so that delivery goes on.
/// </summary>
public sealed partial class RedisEventQueue
{
    private static readonly Action<ILogger, Exception?> s_groupsRecreated = LoggerMessage.Define(LogLevel.Warning, new EventId(2109, "RedisQueueGroupsRecreated"),
        "The Redis queue's consumer group is missing (Redis restarted without its data, or failed over to a replica that lacked it): it is created again. What Redis held before is lost; items stored since are delivered.");

    /// <summary>Creates the consumer group of every partition stream (and the stream) unless it exists.</summary>
    private static async Task CreateGroupsAsync(IDatabase db, RedisQueueKeys keys, int partitions)
    {
        for (var i = 0; i < partitions; i++)
        {
            try
            {
                await db.StreamCreateConsumerGroupAsync(keys.Stream(i), Group, "0-0", createStream: true).ConfigureAwait(false);
            }
            catch (RedisServerException ex) when (ex.Message.Contains("BUSYGROUP", StringComparison.Ordinal))
            {
            }
        }
    }

    /// <summary>Redis answered that a partition's consumer group does not exist.</summary>
    private static bool IsMissingGroup(Exception ex) => ex is RedisServerException && ex.Message.StartsWith("NOGROUP", StringComparison.Ordinal);

    /// <summary>After a NOGROUP answer: creates the groups again, and claims (recovers) every held partition from the start.</summary>
    private async Task RecreateGroupsAsync()
    {
        s_groupsRecreated(_logger, null);
        await CreateGroupsAsync(_db, _keys, _owned.Length).ConfigureAwait(false);
        lock (_gate)
        {
            for (var i = 0; i < _owned.Length; i++) _needsRecovery[i] = _owned[i];
        }
    }
}
