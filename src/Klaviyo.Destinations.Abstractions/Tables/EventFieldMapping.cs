namespace Klaviyo.Destinations;

/// <summary>One row of the event reserved-field table: a property key that fills a top-level event attribute.</summary>
public sealed class EventFieldMapping
{
    /// <summary>Creates a row.</summary>
    public EventFieldMapping(string key, EventField field, bool keepAsProperty, TraitSource source)
    {
        Key = key;
        Field = field;
        KeepAsProperty = keepAsProperty;
        Source = source;
    }

    /// <summary>The exact property key, e.g. <c>$event_id</c> or <c>revenue</c>.</summary>
    public string Key { get; }

    /// <summary>The event attribute it fills.</summary>
    public EventField Field { get; }

    /// <summary>True when the property is also kept in <c>properties</c> (ecommerce properties are never dropped).</summary>
    public bool KeepAsProperty { get; }

    /// <summary>Which integrations document the key.</summary>
    public TraitSource Source { get; }
}
