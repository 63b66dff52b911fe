using System;

namespace Klaviyo.Destinations;

/// <summary>
/// Maps a member of a <see cref="KlaviyoEventAttribute"/> type to a top-level Klaviyo event attribute
/// (value, value_currency, unique_id, time) instead of a property.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field | AttributeTargets.Parameter, Inherited = true)]
public sealed class KlaviyoEventFieldAttribute : Attribute
{
    /// <summary>Creates the attribute.</summary>
    public KlaviyoEventFieldAttribute(EventField field) => Field = field;

    /// <summary>The event attribute.</summary>
    public EventField Field { get; }

    /// <summary>When true the value is also kept as a property under the member's name.</summary>
    public bool KeepAsProperty { get; set; }
}
