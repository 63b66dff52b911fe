using System.Collections.Generic;

namespace Klaviyo.Destinations;

/// <summary>One row of the ecommerce event table: a Segment spec event name and the Klaviyo metric it becomes.</summary>
public sealed class EventNameMapping
{
    /// <summary>Creates a row.</summary>
    /// <param name="specName">The Segment ecommerce spec name.</param>
    /// <param name="klaviyoMetric">The Klaviyo metric name.</param>
    /// <param name="valueKeys">Properties that give the event its <c>value</c> when no reserved key did, tried in order.</param>
    public EventNameMapping(string specName, string klaviyoMetric, params string[] valueKeys)
    {
        SpecName = specName;
        KlaviyoMetric = klaviyoMetric;
        ValueKeys = valueKeys ?? new string[0];
    }

    /// <summary>The Segment ecommerce spec name, e.g. <c>Order Completed</c>.</summary>
    public string SpecName { get; }

    /// <summary>The Klaviyo metric name Klaviyo's ecommerce analytics look for, e.g. <c>Placed Order</c>.</summary>
    public string KlaviyoMetric { get; }

    /// <summary>
    /// The spec properties that fill the event's <c>value</c> when neither <c>$value</c> nor <c>revenue</c> did, tried
    /// in order (e.g. Checkout Started: <c>value</c>, then <c>total</c>). The property is kept in <c>properties</c> too.
    /// </summary>
    public IReadOnlyList<string> ValueKeys { get; }
}
