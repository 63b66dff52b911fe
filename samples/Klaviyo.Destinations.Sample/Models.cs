using Klaviyo.Destinations;

namespace Klaviyo.Destinations.Sample;

/// <summary>A shop's customer. Members map by convention: Email → email, FirstName → first_name, Phone → phone_number, …</summary>
[KlaviyoProfile]
public sealed record Customer(
    string Email,
    string FirstName,
    string LastName,
    string? Phone,
    ShippingAddress? Address,
    [CustomProperty("loyalty_points")] int LoyaltyPoints,
    [NotMapped] string? InternalNotes = null);

/// <summary>Segment's address trait: its members fill Klaviyo's location.</summary>
public sealed record ShippingAddress(string Street, string City, string State, string PostalCode, string Country);

/// <summary>Segment's Order Completed: Klaviyo gets "Placed Order" plus one "Ordered Product" per product.</summary>
[KlaviyoEvent("Order Completed")]
public sealed record OrderCompleted(string OrderId, decimal Revenue, string Currency, IReadOnlyList<Product> Products, string? Coupon = null);

/// <summary>A line of an order.</summary>
public sealed record Product(string ProductId, string Sku, string Name, decimal Price, int Quantity, string? ProductUrl = null, string? ImageUrl = null);
