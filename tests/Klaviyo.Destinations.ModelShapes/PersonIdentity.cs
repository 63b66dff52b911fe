using Klaviyo.Destinations;

namespace Klaviyo.Destinations.ModelShapes;

/// <summary>A model that carries its own external_id.</summary>
[KlaviyoProfile]
public sealed record CrmContact(string Email, string ExternalId);
