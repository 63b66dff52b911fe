using System;

namespace Klaviyo.Destinations;

/// <summary>
/// Maps a member through the trait tables by its spec name (e.g. <c>[Trait("phoneNumber")]</c>,
/// <c>[Trait("$firstname")]</c>). A name that is in no table becomes a custom property of that name.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field | AttributeTargets.Parameter, Inherited = true)]
public sealed class TraitAttribute : Attribute
{
    /// <summary>Creates the attribute.</summary>
    /// <param name="name">The trait's spec name.</param>
    public TraitAttribute(string name) => Name = name;

    /// <summary>The trait's spec name.</summary>
    public string Name { get; }
}
