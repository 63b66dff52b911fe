using System.Collections.Concurrent;

namespace Klaviyo.Destinations.Tests.Hosting;

/// <summary>Counts outcomes by status (for <see cref="KlaviyoDestinationOptions.OnOutcome"/>) and signals when enough were delivered.</summary>
internal sealed class OutcomeCounter(int expectedDelivered)
{
    private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentDictionary<DeliveryStatus, int> _counts = new();

    public ConcurrentQueue<DeliveryOutcome> NotDelivered { get; } = new();

    public Task AllDelivered => _all.Task;

    public int this[DeliveryStatus status] => _counts.GetValueOrDefault(status);

    public void Record(DeliveryOutcome outcome)
    {
        var count = _counts.AddOrUpdate(outcome.Status, 1, (_, n) => n + 1);
        if (outcome.Status != DeliveryStatus.Delivered) NotDelivered.Enqueue(outcome);
        else if (count >= expectedDelivered) _all.TrySetResult();
    }
}
