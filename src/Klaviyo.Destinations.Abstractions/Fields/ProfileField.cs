namespace Klaviyo.Destinations;

/// <summary>
/// A Klaviyo profile attribute (API revision 2026-07-15). Location fields are written under
/// <c>attributes.location</c>; everything not listed here goes to <c>attributes.properties</c>.
/// </summary>
public enum ProfileField
{
    /// <summary>No reserved field: the value is a custom property.</summary>
    None = 0,
    /// <summary><c>email</c> — identifier.</summary>
    Email,
    /// <summary><c>phone_number</c> — identifier, E.164.</summary>
    PhoneNumber,
    /// <summary><c>external_id</c> — identifier from your system.</summary>
    ExternalId,
    /// <summary><c>first_name</c>.</summary>
    FirstName,
    /// <summary><c>last_name</c>.</summary>
    LastName,
    /// <summary><c>organization</c>.</summary>
    Organization,
    /// <summary><c>title</c>.</summary>
    Title,
    /// <summary><c>image</c> (URL).</summary>
    Image,
    /// <summary><c>locale</c> (IETF BCP-47, e.g. <c>en-US</c>).</summary>
    Locale,
    /// <summary><c>location.address1</c>.</summary>
    Address1,
    /// <summary><c>location.address2</c>.</summary>
    Address2,
    /// <summary><c>location.city</c>.</summary>
    City,
    /// <summary><c>location.region</c> (state or province).</summary>
    Region,
    /// <summary><c>location.country</c>.</summary>
    Country,
    /// <summary><c>location.zip</c>.</summary>
    Zip,
    /// <summary><c>location.timezone</c> (IANA name).</summary>
    Timezone,
    /// <summary><c>location.latitude</c> (rounded to 4 decimals).</summary>
    Latitude,
    /// <summary><c>location.longitude</c> (rounded to 4 decimals).</summary>
    Longitude,
    /// <summary><c>location.ip</c>.</summary>
    Ip,
}
