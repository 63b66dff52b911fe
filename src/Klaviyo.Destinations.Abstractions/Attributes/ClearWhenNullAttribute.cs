using System;

namespace Klaviyo.Destinations;

/// <summary>
/// Sends an explicit <c>null</c> when the member is null, which clears the field in Klaviyo. Without it a null
/// member is omitted and Klaviyo keeps the field's current value. (Klaviyo's bulk import ignores nulls.)
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field | AttributeTargets.Parameter, Inherited = true)]
public sealed class ClearWhenNullAttribute : Attribute
{
}
