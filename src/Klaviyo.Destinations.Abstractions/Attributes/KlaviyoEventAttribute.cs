using System;

namespace Klaviyo.Destinations;

/// <summary>
/// Marks a type whose public properties and fields are the properties of a track event named
/// <see cref="Name"/>. Segment ecommerce names (<c>Order Completed</c>, <c>Product Viewed</c>, …) get Klaviyo's
/// ecommerce treatment at run time.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false)]
public sealed class KlaviyoEventAttribute : Attribute
{
    /// <summary>Creates the attribute.</summary>
    /// <param name="name">The event name as your app tracks it, e.g. <c>Order Completed</c>.</param>
    public KlaviyoEventAttribute(string name) => Name = name;

    /// <summary>The event name as your app tracks it.</summary>
    public string Name { get; }
}
