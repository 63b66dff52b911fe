namespace Klaviyo.Destinations;

/// <summary>
/// How the names of custom and event properties that come from C# member names are spelled, for a whole
/// assembly: <c>[assembly: KlaviyoMappingOptions(PropertyNaming = PropertyNaming.CamelCase)]</c>. Applied at every
/// depth (members of nested objects too). Names you write yourself (<c>[CustomProperty("x")]</c>, <c>[Trait]</c>,
/// <c>[JsonPropertyName]</c>), the mapping tables' own keys (<c>orderId</c>, <c>sku</c>, <c>productUrl</c>, …) and
/// dictionary keys are never changed.
/// </summary>
public enum PropertyNaming
{
    /// <summary>The member's name as declared (<c>LoyaltyPoints</c>). The default.</summary>
    AsDeclared = 0,

    /// <summary>camelCase (<c>loyaltyPoints</c>), the spelling of Segment's spec keys.</summary>
    CamelCase = 1,

    /// <summary>snake_case (<c>loyalty_points</c>).</summary>
    SnakeCase = 2,
}
