using System;

namespace Klaviyo.Destinations;

/// <summary>
/// Sends a member as a custom property (<c>properties.{name}</c>) on purpose, which also silences KLV2001.
/// Without a name the member's name is used.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field | AttributeTargets.Parameter, Inherited = true)]
public sealed class CustomPropertyAttribute : Attribute
{
    /// <summary>Uses the member's name as the property name.</summary>
    public CustomPropertyAttribute() { }

    /// <summary>Uses <paramref name="name"/> as the property name.</summary>
    public CustomPropertyAttribute(string name) => Name = name;

    /// <summary>The property name, or null for the member's name.</summary>
    public string? Name { get; }
}
