namespace Klaviyo.Destinations.Redis.Tests.Replicas;

/// <summary>
/// The replica scenarios start several app processes each: they run one at a time, after the other tests, so they
/// neither starve each other nor the timing-sensitive budget measurement of the CPU.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ReplicaProcessesCollection
{
    public const string Name = "Replica processes";
}
