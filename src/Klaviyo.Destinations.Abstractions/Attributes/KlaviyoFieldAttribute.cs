using System;

namespace Klaviyo.Destinations;

/// <summary>Maps a member of a <see cref="KlaviyoProfileAttribute"/> type to a Klaviyo profile field.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field | AttributeTargets.Parameter, Inherited = true)]
public sealed class KlaviyoFieldAttribute : Attribute
{
    /// <summary>Creates the attribute.</summary>
    public KlaviyoFieldAttribute(ProfileField field) => Field = field;

    /// <summary>The Klaviyo profile field.</summary>
    public ProfileField Field { get; }
}
