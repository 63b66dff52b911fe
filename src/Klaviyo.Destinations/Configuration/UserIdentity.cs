namespace Klaviyo.Destinations;

/// <summary>
/// The user identities a message can carry besides its userId (mParticle's identity types). Which of them become
/// <c>external_id</c> and <c>phone_number</c> is set by <see cref="KlaviyoDestinationOptions.AlternateIdentifier"/> and
/// <see cref="KlaviyoDestinationOptions.PhoneIdentifier"/>.
/// </summary>
public enum UserIdentity
{
    /// <summary>Your customer id (the <c>userId</c> argument unless given here).</summary>
    CustomerId,
    /// <summary>Email address.</summary>
    Email,
    /// <summary>Mobile number.</summary>
    MobileNumber,
    /// <summary>Second phone number.</summary>
    PhoneNumber2,
    /// <summary>Third phone number.</summary>
    PhoneNumber3,
    /// <summary>Other identity 1.</summary>
    Other,
    /// <summary>Other identity 2.</summary>
    Other2,
    /// <summary>Other identity 3.</summary>
    Other3,
    /// <summary>Other identity 4.</summary>
    Other4,
    /// <summary>Other identity 5.</summary>
    Other5,
    /// <summary>Other identity 6.</summary>
    Other6,
    /// <summary>Other identity 7.</summary>
    Other7,
    /// <summary>Other identity 8.</summary>
    Other8,
    /// <summary>Other identity 9.</summary>
    Other9,
    /// <summary>Other identity 10.</summary>
    Other10,
}
