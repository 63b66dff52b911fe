using Klaviyo.Destinations;

namespace Klaviyo.Destinations.ScaleOutSample;

/// <summary>A shop's customer. Members map by convention: Email → email, FirstName → first_name, Phone → phone_number, …</summary>
[KlaviyoProfile]
public sealed record Customer(string Email, string FirstName, string LastName, string? Phone, CustomerAddress? Address);

/// <summary>Segment's address trait: its members fill Klaviyo's location.</summary>
public sealed record CustomerAddress(string? City, string? Country);

/// <summary>Segment's Order Completed: Klaviyo gets "Placed Order" (unique_id = the order id) plus one "Ordered Product" per product.</summary>
[KlaviyoEvent("Order Completed")]
public sealed record OrderCompleted(string OrderId, decimal Revenue, string Currency, IReadOnlyList<OrderLine> Products);

/// <summary>A line of an order.</summary>
public sealed record OrderLine(string ProductId, string Sku, string Name, decimal Price, int Quantity);

/// <summary><c>POST /identify</c>: who the customer is.</summary>
public sealed record IdentifyRequest(string UserId, string Email, string FirstName, string LastName, string? Phone, string? City, string? Country, string? MessageId);

/// <summary><c>POST /orders</c>: an order the customer placed.</summary>
public sealed record OrderRequest(string UserId, string OrderId, string Currency, IReadOnlyList<OrderLine> Products, string? MessageId);

/// <summary><c>POST /track</c>: any other event, with free-form properties.</summary>
public sealed record TrackRequest(string UserId, string Event, System.Text.Json.Nodes.JsonObject? Properties, string? MessageId);
