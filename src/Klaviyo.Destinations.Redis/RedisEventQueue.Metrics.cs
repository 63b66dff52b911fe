using System.Diagnostics.Metrics;

namespace Klaviyo.Destinations.Redis;

/// <summary>The queue's instruments, in the meter of the Redis package (<see cref="RedisRateBudget.MeterName"/>).</summary>
public sealed partial class RedisEventQueue
{
    private readonly Meter _meter;
    private Meter? _ownMeter;

    private Meter CreateMeter(IMeterFactory? meterFactory)
    {
        var meter = meterFactory?.Create(RedisRateBudget.MeterName) ?? (_ownMeter = new Meter(RedisRateBudget.MeterName));
        meter.CreateObservableGauge("klaviyo.redis.queue.outage", () => Outage is null ? 0 : 1, "{outage}",
            "1 while the shared queue cannot reach Redis (accepted items wait in memory, bounded by MaxBuffered), else 0.");
        meter.CreateObservableGauge("klaviyo.redis.queue.buffered", BufferedCount, "{item}",
            "Items this replica accepted, and dead letters it made, that wait in memory to be stored in Redis.");
        meter.CreateObservableGauge("klaviyo.redis.queue.partitions", () => OwnedPartitions.Count, "{partition}",
            "Partitions whose lease this replica holds (including those being handed over).");
        meter.CreateObservableGauge("klaviyo.redis.queue.fair_share", () => FairShare, "{partition}",
            "Partitions this replica should hold among the live replicas.");
        meter.CreateObservableGauge("klaviyo.redis.queue.replicas", () => LiveReplicas, "{replica}",
            "Live replicas of the queue (unexpired heartbeats) seen by this replica.");
        return meter;
    }

    /// <summary>Accepted items and dead letters waiting in memory for Redis.</summary>
    internal int Buffered => BufferedCount();

    private int BufferedCount()
    {
        lock (_gate) return _buffer.Count + PendingLetters;
    }
}
