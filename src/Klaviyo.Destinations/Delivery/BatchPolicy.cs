namespace Klaviyo.Destinations;

/// <summary>When the batcher sends: at <see cref="FlushCount"/> ready items or <see cref="FlushBytes"/> ready bytes of one kind, or when the oldest ready item waited <see cref="FlushInterval"/>.</summary>
/// <param name="FlushCount">Ready items of one kind that start a batch.</param>
/// <param name="FlushInterval">Longest wait of a ready item for its batch to fill.</param>
/// <param name="FlushBytes">Ready bytes of one kind that start a batch.</param>
/// <param name="SingleOnly">Every item goes alone to the single-item endpoint (low latency, or a sender without bulk support).</param>
internal sealed record BatchPolicy(int FlushCount, TimeSpan FlushInterval, long FlushBytes, bool SingleOnly)
{
    public static BatchPolicy From(KlaviyoDestinationOptions options, bool bulkSupported) =>
        !bulkSupported || options.DeliveryMode == DeliveryMode.LowLatency
            ? new BatchPolicy(1, TimeSpan.Zero, 1, SingleOnly: true)
            : new BatchPolicy(options.EffectiveFlushCount, options.EffectiveFlushInterval, options.FlushBytes, SingleOnly: false);

    /// <summary>Audience updates: bulk forwarding (<see cref="KlaviyoDestinationOptions.AudienceFlushCount"/> items or <see cref="KlaviyoDestinationOptions.AudienceFlushInterval"/>), whatever the delivery mode.</summary>
    public static BatchPolicy ForAudiences(KlaviyoDestinationOptions options, bool bulkSupported) =>
        !bulkSupported
            ? new BatchPolicy(1, TimeSpan.Zero, 1, SingleOnly: true)
            : new BatchPolicy(options.AudienceFlushCount, options.AudienceFlushInterval, long.MaxValue, SingleOnly: false);
}
