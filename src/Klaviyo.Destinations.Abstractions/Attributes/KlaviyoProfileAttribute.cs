using System;

namespace Klaviyo.Destinations;

/// <summary>
/// Marks a type whose public properties and fields are identify traits. The source generator emits a
/// reflection-free mapper for it; the analyzers warn (KLV2001) about members that map to no Klaviyo field.
/// Members map by convention (<c>Email</c>, <c>FirstName</c>, <c>Phone</c>, <c>City</c>, a nested <c>Address</c>, …),
/// or explicitly with <see cref="TraitAttribute"/>, <see cref="KlaviyoFieldAttribute"/>,
/// <see cref="CustomPropertyAttribute"/> or <see cref="NotMappedAttribute"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false)]
public sealed class KlaviyoProfileAttribute : Attribute
{
}
