namespace Klaviyo.Destinations;

/// <summary>Which identity fills <c>phone_number</c> when the traits carry no phone (mParticle's setting).</summary>
public enum PhoneIdentifier
{
    /// <summary><see cref="UserIdentity.MobileNumber"/> (default).</summary>
    MobileNumber,
    /// <summary><see cref="UserIdentity.PhoneNumber2"/>.</summary>
    PhoneNumber2,
    /// <summary><see cref="UserIdentity.PhoneNumber3"/>.</summary>
    PhoneNumber3,
}
