namespace Klaviyo.Destinations;

/// <summary>How the sender trades latency for throughput.</summary>
public enum DeliveryMode
{
    /// <summary>
    /// Default. Items wait up to <see cref="KlaviyoDestinationOptions.FlushInterval"/> (default 1 s) or until
    /// <see cref="KlaviyoDestinationOptions.FlushCount"/> items (default 1,000) are ready, then go out in Klaviyo's bulk
    /// jobs; a batch of one uses the single-item endpoint.
    /// </summary>
    Batched,

    /// <summary>Every item is sent on its own to <c>/api/profile-import</c> or <c>/api/events</c> as soon as it is ready (lowest latency, 750 profiles/min and 3,500 events/min at most).</summary>
    LowLatency,

    /// <summary>mParticle's "bulk forwarding" defaults: a batch goes out at 100 items or after 16 hours (both overridable with <see cref="KlaviyoDestinationOptions.FlushCount"/> and <see cref="KlaviyoDestinationOptions.FlushInterval"/>).</summary>
    BulkForwarding,
}
