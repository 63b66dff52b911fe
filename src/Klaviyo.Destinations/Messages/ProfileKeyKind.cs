namespace Klaviyo.Destinations;

/// <summary>Which identifier a <see cref="ProfileKey"/> holds.</summary>
public enum ProfileKeyKind
{
    /// <summary>Email address.</summary>
    Email,
    /// <summary>Phone number (E.164, or normalised with the profile rules).</summary>
    PhoneNumber,
    /// <summary>Your external id (Klaviyo's <c>external_id</c>).</summary>
    ExternalId,
    /// <summary>Klaviyo's own profile id.</summary>
    KlaviyoId,
}
