namespace Klaviyo.Destinations.Benchmarks;

/// <summary>The 12-field profile of the benchmarks (with a nested address).</summary>
[KlaviyoProfile]
public sealed record BenchCustomer(
    string Email,
    string ExternalId,
    string FirstName,
    string LastName,
    string Phone,
    string Title,
    string Organization,
    string Timezone,
    BenchAddress Address,
    [CustomProperty("loyalty_points")] int LoyaltyPoints,
    [CustomProperty("vip")] bool Vip,
    [CustomProperty("signed_up_at")] DateTimeOffset SignedUpAt);

/// <summary>Segment's address trait.</summary>
public sealed record BenchAddress(string Street, string City, string State, string PostalCode, string Country);

/// <summary>An order with products.</summary>
[KlaviyoEvent("Order Completed")]
public sealed record BenchOrder(string OrderId, decimal Revenue, string Currency, IReadOnlyList<BenchProduct> Products);

/// <summary>An order line.</summary>
public sealed record BenchProduct(string ProductId, string Sku, string Name, decimal Price, int Quantity, string ProductUrl);

/// <summary>The data every benchmark maps.</summary>
public static class BenchData
{
    public static readonly BenchCustomer Customer = new(
        "ada.lovelace@example.com", "user-1842", "Ada", "Lovelace", "+14155550123", "Countess", "Analytical Engines",
        "Europe/London", new BenchAddress("12 St James's Square", "London", "England", "SW1Y 4JH", "United Kingdom"),
        1200, true, new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));

    public static readonly Dictionary<string, object?> CustomerTraits = new()
    {
        ["email"] = Customer.Email, ["external_id"] = Customer.ExternalId, ["firstName"] = Customer.FirstName, ["lastName"] = Customer.LastName,
        ["phone"] = Customer.Phone, ["title"] = Customer.Title, ["organization"] = Customer.Organization, ["timezone"] = Customer.Timezone,
        ["address"] = new Dictionary<string, object?>
        {
            ["street"] = Customer.Address.Street, ["city"] = Customer.Address.City, ["state"] = Customer.Address.State,
            ["postalCode"] = Customer.Address.PostalCode, ["country"] = Customer.Address.Country,
        },
        ["loyalty_points"] = Customer.LoyaltyPoints, ["vip"] = Customer.Vip, ["signed_up_at"] = Customer.SignedUpAt,
    };

    public static readonly BenchOrder Order = new("order-77", 120.5m, "USD",
        Enumerable.Range(1, 5).Select(i => new BenchProduct($"p-{i}", $"SKU-{i}", $"Product {i}", 10m * i, i, $"https://shop.example/p-{i}")).ToArray());

    public static readonly Dictionary<string, object?> TrackProperties = new()
    {
        ["product_id"] = "p-1", ["name"] = "Lamp", ["price"] = 39.95, ["currency"] = "USD", ["revenue"] = 39.95, ["colour"] = "Red",
    };
}
