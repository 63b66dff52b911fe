namespace Klaviyo.Destinations.Tests.Rules;

// Typed models for the shape matrix: each has a dictionary twin in ShapeMatrixTests with exactly the same data.

[KlaviyoProfile]
public sealed record MatrixPerson(string? Email, string? FirstName = null, string? Phone = null, string? ExternalId = null, string? Country = null);

[KlaviyoEvent("Signed Up")]
public sealed record MatrixSignedUp(string Email, [CustomProperty("plan")] string Plan);

[KlaviyoEvent("Checkout Started")]
public sealed record MatrixCheckoutStarted(decimal Value, string Currency, string CheckoutId);

[KlaviyoEvent("Order Refunded")]
public sealed record MatrixOrderRefunded(string OrderId, decimal Total, string Currency);

[KlaviyoEvent("Product Added")]
public sealed record MatrixProductAdded(string ProductId, decimal Price, int Quantity);

[KlaviyoEvent("Reading")]
public sealed record MatrixReading([KlaviyoEventField(EventField.Time)] DateTimeOffset TakenAt, [CustomProperty("level")] double Level);
