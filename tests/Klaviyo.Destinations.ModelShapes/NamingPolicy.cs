using Klaviyo.Destinations;

namespace Klaviyo.Destinations.ModelShapes;

/// <summary>A cart line: Sku is a table key, Qty and GiftNote are not; the assembly's camelCase policy makes them one style.</summary>
public sealed record CartLine(string Sku, int Qty, string? GiftNote);

/// <summary>An event whose properties and nested objects all follow the policy.</summary>
[KlaviyoEvent("Cart Updated")]
public sealed record CartUpdated(string CartId, int ItemCount, IReadOnlyList<CartLine> Lines);

/// <summary>A profile whose unmapped trait follows the policy too.</summary>
[KlaviyoProfile]
public sealed record LoyalCustomer(string Email, [CustomProperty] int LoyaltyPoints);
