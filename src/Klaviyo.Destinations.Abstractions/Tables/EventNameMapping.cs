namespace Klaviyo.Destinations;

/// <summary>One row of the ecommerce event table: a Segment spec event name and the Klaviyo metric it becomes.</summary>
public sealed class EventNameMapping
{
    /// <summary>Creates a row.</summary>
    public EventNameMapping(string specName, string klaviyoMetric)
    {
        SpecName = specName;
        KlaviyoMetric = klaviyoMetric;
    }

    /// <summary>The Segment ecommerce spec name, e.g. <c>Order Completed</c>.</summary>
    public string SpecName { get; }

    /// <summary>The Klaviyo metric name Klaviyo's ecommerce analytics look for, e.g. <c>Placed Order</c>.</summary>
    public string KlaviyoMetric { get; }
}
