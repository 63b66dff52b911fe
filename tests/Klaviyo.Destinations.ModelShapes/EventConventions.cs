using Klaviyo.Destinations;

namespace Klaviyo.Destinations.ModelShapes;

/// <summary>A product of an order: Url is "Product URL" on its Ordered Product event.</summary>
public sealed record OrderLine(string ProductId, string Name, decimal Price, int Quantity, string? Url);

/// <summary>Value is the event value, Timestamp the event time; FirstName is just a property of the event (no KLV2001).</summary>
[KlaviyoEvent("Order Completed")]
public sealed record CheckoutDone(string OrderId, decimal Value, string Currency, DateTime Timestamp, string? FirstName, IReadOnlyList<OrderLine> Products);
