namespace Klaviyo.Destinations.Rules;

/// <summary>What one message became: the items to send and the parts rejected (or skipped) on the spot.</summary>
internal sealed class MappingResult
{
    /// <summary>Items to queue, in the order Klaviyo must receive them.</summary>
    public List<QueuedItem> Items { get; } = new(2);

    /// <summary>Parts that will not be sent, with reasons.</summary>
    public List<DeliveryOutcome> Rejections { get; } = new(0);
}
