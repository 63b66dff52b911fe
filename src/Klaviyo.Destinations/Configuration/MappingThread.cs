namespace Klaviyo.Destinations;

/// <summary>Where a call's payload is turned into Klaviyo items (<see cref="KlaviyoDestinationOptions.MappingThread"/>).</summary>
public enum MappingThread
{
    /// <summary>
    /// The default: the call maps its payload before it returns, on the caller's thread. What the call passed can be
    /// changed or disposed as soon as it returns, and with the durable queue an item is stored from the moment it is
    /// handed over. The caller pays the mapping (a few microseconds per message, more for an order).
    /// </summary>
    Caller,

    /// <summary>
    /// The call only captures the message and returns; one background task maps the messages in call order, applies
    /// every rule and queues the items. Bad input is still rejected per message with its reason, through
    /// <see cref="KlaviyoDestinationOptions.OnOutcome"/> and the log, only a moment later. Typed models, dictionaries and
    /// the call's options are read on that task: do not change them after the call. <c>JsonElement</c> and
    /// <c>JsonObject</c> payloads, and the <c>*Async</c> calls, are still mapped on the caller's thread. A message waits in
    /// memory until it is mapped and stored, so with the durable queue a crash in that window (normally microseconds;
    /// longer when the mapper falls behind) loses it. <c>FlushAsync</c> and disposal wait for the mapping of every message
    /// handed over before them. At most <see cref="KlaviyoDestinationOptions.QueueCapacity"/> messages wait to be mapped;
    /// beyond that a call is rejected with a reason.
    /// </summary>
    Background,
}
