using System.Text.Json.Nodes;

namespace Klaviyo.Destinations.Tests.Mapping;

public sealed record PostalAddress(string? Street, string? City, string? State, string? PostalCode, string? Country, string? Apartment = null);

public sealed record Employer(string Name, int Size);

public enum Tier { Bronze, Gold }

[KlaviyoProfile]
public sealed record Customer(
    string Email,
    string? FirstName,
    string? LastName,
    string? Phone,
    string? Title,
    string? Company,
    string? Avatar,
    string? Timezone,
    PostalAddress? Address,
    int LoyaltyPoints,
    Tier Tier,
    [CustomProperty("plan_name")] string? Plan,
    [NotMapped] string? PasswordHash,
    [ClearWhenNull] string? Nickname = null,
    IReadOnlyList<string>? Tags = null,
    double? Latitude = null,
    decimal? Longitude = null,
    DateTimeOffset? SignedUpAt = null,
    Guid? ExternalId = null);

[KlaviyoProfile]
public sealed class TraitProfile
{
    [Trait("$firstname")] public string? Given { get; set; }
    [Trait("$state")] public string? Province { get; set; }
    [Trait("$custom_attribute")] public string? Custom { get; set; }
    [Trait("$Last_Name")] public string? Family { get; set; }
    [KlaviyoField(ProfileField.Email)] public string? Mail { get; set; }
    [KlaviyoField(ProfileField.Ip)] public string? LastIp { get; set; }
    public Employer? Company { get; set; }
    public JsonObject? Extra { get; set; }
}

public sealed record Product(string? ProductId, string? Sku, string? Name, decimal Price, int Quantity, string? ProductUrl, string? ImageUrl);

[KlaviyoEvent("Order Completed")]
public sealed record OrderCompleted(
    string OrderId,
    decimal Revenue,
    string Currency,
    IReadOnlyList<Product> Products,
    [KlaviyoEventField(EventField.UniqueId)] string? EventId = null,
    [KlaviyoEventField(EventField.Time)] DateTimeOffset? OccurredAt = null,
    string? Coupon = null,
    [CustomProperty] bool GiftWrap = false);
