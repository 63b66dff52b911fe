using System.Text.Json.Serialization;
using Klaviyo.Destinations;

namespace Klaviyo.Destinations.ModelShapes;

/// <summary>A model shared with System.Text.Json APIs: its attributes are honoured.</summary>
[KlaviyoProfile]
public sealed class ApiUser
{
    /// <summary>email.</summary>
    public string? Email { get; set; }

    /// <summary>A table key: fills first_name.</summary>
    [JsonPropertyName("first_name")]
    public string? Given { get; set; }

    /// <summary>Any other name: the custom property's name, as written.</summary>
    [JsonPropertyName("favourite_colour")]
    public string? Colour { get; set; }

    /// <summary>Never sent.</summary>
    [JsonIgnore]
    public string? PasswordHash { get; set; }

    /// <summary>[CustomProperty] wins over [JsonIgnore].</summary>
    [JsonIgnore, CustomProperty("support_pin")]
    public string? SupportPin { get; set; }
}
