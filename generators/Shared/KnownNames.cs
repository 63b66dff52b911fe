namespace Klaviyo.Destinations.Generators;

/// <summary>Fully qualified metadata names the generator and analyzers look for.</summary>
internal static class KnownNames
{
    public const string Namespace = "Klaviyo.Destinations";
    public const string KlaviyoProfileAttribute = "Klaviyo.Destinations.KlaviyoProfileAttribute";
    public const string KlaviyoEventAttribute = "Klaviyo.Destinations.KlaviyoEventAttribute";
    public const string TraitAttribute = "Klaviyo.Destinations.TraitAttribute";
    public const string KlaviyoFieldAttribute = "Klaviyo.Destinations.KlaviyoFieldAttribute";
    public const string KlaviyoEventFieldAttribute = "Klaviyo.Destinations.KlaviyoEventFieldAttribute";
    public const string CustomPropertyAttribute = "Klaviyo.Destinations.CustomPropertyAttribute";
    public const string NotMappedAttribute = "Klaviyo.Destinations.NotMappedAttribute";
    public const string ClearWhenNullAttribute = "Klaviyo.Destinations.ClearWhenNullAttribute";
    public const string KlaviyoMappingOptionsAttribute = "Klaviyo.Destinations.KlaviyoMappingOptionsAttribute";
    public const string GenerateTableLookupsAttribute = "Klaviyo.Destinations.Mapping.GenerateTableLookupsAttribute";
    public const string JsonIgnoreAttribute = "System.Text.Json.Serialization.JsonIgnoreAttribute";
    public const string JsonPropertyNameAttribute = "System.Text.Json.Serialization.JsonPropertyNameAttribute";
    public const string Analytics = "Klaviyo.Destinations.Analytics";

    // Short names, compared with SymbolNames (no display string per attribute).
    public const string KlaviyoProfileAttributeName = "KlaviyoProfileAttribute";
    public const string KlaviyoEventAttributeName = "KlaviyoEventAttribute";
    public const string TraitAttributeName = "TraitAttribute";
    public const string KlaviyoFieldAttributeName = "KlaviyoFieldAttribute";
    public const string KlaviyoEventFieldAttributeName = "KlaviyoEventFieldAttribute";
    public const string CustomPropertyAttributeName = "CustomPropertyAttribute";
    public const string NotMappedAttributeName = "NotMappedAttribute";
    public const string ClearWhenNullAttributeName = "ClearWhenNullAttribute";
    public const string KlaviyoMappingOptionsAttributeName = "KlaviyoMappingOptionsAttribute";
    public const string JsonIgnoreAttributeName = "JsonIgnoreAttribute";
    public const string JsonPropertyNameAttributeName = "JsonPropertyNameAttribute";
}
