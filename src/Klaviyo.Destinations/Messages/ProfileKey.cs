namespace Klaviyo.Destinations;

/// <summary>
/// Names one Klaviyo profile by a single identifier, for <see cref="Analytics.DeleteProfile"/>:
/// <c>ProfileKey.Email("a@b.com")</c>, <c>ProfileKey.PhoneNumber("+4915112345678")</c>,
/// <c>ProfileKey.ExternalId("user-42")</c> or <c>ProfileKey.KlaviyoId("01H…")</c>.
/// </summary>
public sealed record ProfileKey
{
    private ProfileKey(ProfileKeyKind kind, string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        Kind = kind;
        Value = value;
    }

    /// <summary>Which identifier this is.</summary>
    public ProfileKeyKind Kind { get; }

    /// <summary>The identifier.</summary>
    public string Value { get; }

    /// <summary>The profile with this email.</summary>
    public static ProfileKey Email(string email) => new(ProfileKeyKind.Email, email);

    /// <summary>The profile with this phone number.</summary>
    public static ProfileKey PhoneNumber(string phoneNumber) => new(ProfileKeyKind.PhoneNumber, phoneNumber);

    /// <summary>The profile with this <c>external_id</c> (resolved to Klaviyo's profile id before deletion).</summary>
    public static ProfileKey ExternalId(string externalId) => new(ProfileKeyKind.ExternalId, externalId);

    /// <summary>The profile with this Klaviyo profile id.</summary>
    public static ProfileKey KlaviyoId(string id) => new(ProfileKeyKind.KlaviyoId, id);

    /// <summary>The Klaviyo attribute name of the identifier (<c>email</c>, <c>phone_number</c>, <c>external_id</c>, <c>id</c>).</summary>
    internal string Field => Kind switch
    {
        ProfileKeyKind.Email => "email",
        ProfileKeyKind.PhoneNumber => "phone_number",
        ProfileKeyKind.ExternalId => "external_id",
        _ => "id",
    };

    /// <inheritdoc />
    public override string ToString() => $"{Field} {Value}";
}
