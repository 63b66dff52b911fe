namespace Klaviyo.Emulator.State;

/// <summary>Klaviyo profile attribute names the emulator treats specially.</summary>
internal static class ProfileFields
{
    public const string Email = "email";
    public const string PhoneNumber = "phone_number";
    public const string ExternalId = "external_id";
    public const string AnonymousId = "anonymous_id";
    public const string Kx = "_kx";
    public const string Location = "location";
    public const string Properties = "properties";

    /// <summary>Identifiers in matching precedence order.</summary>
    public static readonly string[] Identifiers = [Email, PhoneNumber, ExternalId, AnonymousId, Kx];

    /// <summary>Plain string attributes stored as given.</summary>
    public static readonly string[] Standard = ["first_name", "last_name", "organization", "locale", "title", "image"];
}
