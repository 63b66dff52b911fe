using System;

namespace Klaviyo.Destinations;

/// <summary>Keeps a member out of Klaviyo entirely (it is never sent).</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field | AttributeTargets.Parameter, Inherited = true)]
public sealed class NotMappedAttribute : Attribute
{
}
