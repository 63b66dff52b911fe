namespace Klaviyo.Destinations;

/// <summary>What the durable queue does when accepting an item would exceed its disk budget.</summary>
public enum QueueOverflowMode
{
    /// <summary>Refuse the new item: it gets a <see cref="DeliveryStatus.Rejected"/> outcome with the reason. Nothing accepted is lost. The default.</summary>
    RefuseNew,

    /// <summary>
    /// Make room by dropping the oldest items that no sender has taken yet; each dropped item gets a
    /// <see cref="DeliveryStatus.Rejected"/> outcome saying so. When every stored item is already being sent, the new
    /// item is refused instead.
    /// </summary>
    DropOldest,
}
