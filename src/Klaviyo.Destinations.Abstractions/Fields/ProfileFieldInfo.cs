namespace Klaviyo.Destinations;

/// <summary>Wire facts about <see cref="ProfileField"/> values: JSON names and where they live.</summary>
public static class ProfileFieldInfo
{
    /// <summary>The JSON attribute name Klaviyo uses for <paramref name="field"/> (e.g. <c>first_name</c>).</summary>
    public static string JsonName(ProfileField field) => field switch
    {
        ProfileField.Email => "email",
        ProfileField.PhoneNumber => "phone_number",
        ProfileField.ExternalId => "external_id",
        ProfileField.FirstName => "first_name",
        ProfileField.LastName => "last_name",
        ProfileField.Organization => "organization",
        ProfileField.Title => "title",
        ProfileField.Image => "image",
        ProfileField.Locale => "locale",
        ProfileField.Address1 => "address1",
        ProfileField.Address2 => "address2",
        ProfileField.City => "city",
        ProfileField.Region => "region",
        ProfileField.Country => "country",
        ProfileField.Zip => "zip",
        ProfileField.Timezone => "timezone",
        ProfileField.Latitude => "latitude",
        ProfileField.Longitude => "longitude",
        ProfileField.Ip => "ip",
        _ => throw new System.ArgumentOutOfRangeException(nameof(field), field, "No Klaviyo attribute for this field."),
    };

    /// <summary>True when the field is written under <c>attributes.location</c>.</summary>
    public static bool IsLocation(ProfileField field) => field >= ProfileField.Address1 && field <= ProfileField.Ip;

    /// <summary>True for the identifiers Klaviyo accepts on a profile upsert (email, phone_number, external_id).</summary>
    public static bool IsIdentifier(ProfileField field) =>
        field is ProfileField.Email or ProfileField.PhoneNumber or ProfileField.ExternalId;

    /// <summary>True for fields whose value is a number (latitude, longitude); every other field is a string.</summary>
    public static bool IsNumeric(ProfileField field) => field is ProfileField.Latitude or ProfileField.Longitude;

    /// <summary>The JSON attribute name Klaviyo uses for <paramref name="field"/> (e.g. <c>unique_id</c>).</summary>
    public static string JsonName(EventField field) => field switch
    {
        EventField.Value => "value",
        EventField.ValueCurrency => "value_currency",
        EventField.UniqueId => "unique_id",
        EventField.Time => "time",
        _ => throw new System.ArgumentOutOfRangeException(nameof(field), field, "No Klaviyo attribute for this field."),
    };
}
