namespace Klaviyo.Destinations;

/// <summary>Where a plugin runs in the timeline: Before → Enrichment → Destination → After.</summary>
public enum PluginType
{
    /// <summary>First: validate or drop messages.</summary>
    Before,
    /// <summary>Add context, ids, timestamps.</summary>
    Enrichment,
    /// <summary>Deliver the message somewhere (the Klaviyo destination is one). Each destination gets its own copy of the timeline's result.</summary>
    Destination,
    /// <summary>Last: observe what was processed.</summary>
    After,
}
