namespace Klaviyo.Destinations;

/// <summary>
/// Which of a message's identities a setting names, written out value by value: reordering or extending
/// <see cref="UserIdentity"/>, <see cref="ExternalEmailIdentityType"/> or <see cref="AlternateIdentifier"/> cannot
/// silently point a setting at another identity (a value without a mapping fails a test).
/// </summary>
internal static class IdentitySettings
{
    /// <summary>The identity that <see cref="KlaviyoDestinationOptions.ExternalEmailIdentityType"/> reads the email from.</summary>
    public static UserIdentity IdentityOf(ExternalEmailIdentityType setting) => setting switch
    {
        ExternalEmailIdentityType.Email => UserIdentity.Email,
        ExternalEmailIdentityType.CustomerId => UserIdentity.CustomerId,
        ExternalEmailIdentityType.Other => UserIdentity.Other,
        ExternalEmailIdentityType.Other2 => UserIdentity.Other2,
        ExternalEmailIdentityType.Other3 => UserIdentity.Other3,
        ExternalEmailIdentityType.Other4 => UserIdentity.Other4,
        ExternalEmailIdentityType.Other5 => UserIdentity.Other5,
        ExternalEmailIdentityType.Other6 => UserIdentity.Other6,
        ExternalEmailIdentityType.Other7 => UserIdentity.Other7,
        ExternalEmailIdentityType.Other8 => UserIdentity.Other8,
        ExternalEmailIdentityType.Other9 => UserIdentity.Other9,
        ExternalEmailIdentityType.Other10 => UserIdentity.Other10,
        _ => throw new ArgumentOutOfRangeException(nameof(setting), setting, "Not an ExternalEmailIdentityType value."),
    };

    /// <summary>The identity that <see cref="KlaviyoDestinationOptions.AlternateIdentifier"/> reads the external id from; null for <see cref="AlternateIdentifier.None"/>.</summary>
    public static UserIdentity? IdentityOf(AlternateIdentifier setting) => setting switch
    {
        AlternateIdentifier.None => null,
        AlternateIdentifier.CustomerId => UserIdentity.CustomerId,
        AlternateIdentifier.Other => UserIdentity.Other,
        AlternateIdentifier.Other2 => UserIdentity.Other2,
        AlternateIdentifier.Other3 => UserIdentity.Other3,
        AlternateIdentifier.Other4 => UserIdentity.Other4,
        AlternateIdentifier.Other5 => UserIdentity.Other5,
        AlternateIdentifier.Other6 => UserIdentity.Other6,
        AlternateIdentifier.Other7 => UserIdentity.Other7,
        AlternateIdentifier.Other8 => UserIdentity.Other8,
        AlternateIdentifier.Other9 => UserIdentity.Other9,
        AlternateIdentifier.Other10 => UserIdentity.Other10,
        _ => throw new ArgumentOutOfRangeException(nameof(setting), setting, "Not an AlternateIdentifier value."),
    };

    /// <summary>mParticle's "other" identity number <paramref name="n"/> (1 = <c>other</c>/<c>other_id_1</c> … 10); null outside 1–10.</summary>
    public static UserIdentity? Other(int n) => n switch
    {
        1 => UserIdentity.Other,
        2 => UserIdentity.Other2,
        3 => UserIdentity.Other3,
        4 => UserIdentity.Other4,
        5 => UserIdentity.Other5,
        6 => UserIdentity.Other6,
        7 => UserIdentity.Other7,
        8 => UserIdentity.Other8,
        9 => UserIdentity.Other9,
        10 => UserIdentity.Other10,
        _ => null,
    };
}
