namespace Klaviyo.Destinations;

/// <summary>
/// Which identity holds the person's email (mParticle's "External Email Identity Type" connection setting). Use it when
/// your apps keep the email in a Customer Id or Other identity instead of the Email identity.
/// </summary>
public enum ExternalEmailIdentityType
{
    /// <summary><see cref="UserIdentity.Email"/> (the default, as in mParticle).</summary>
    Email,
    /// <summary><see cref="UserIdentity.CustomerId"/> (or the userId when no Customer Id identity is given).</summary>
    CustomerId,
    /// <summary><see cref="UserIdentity.Other"/>.</summary>
    Other,
    /// <summary><see cref="UserIdentity.Other2"/>.</summary>
    Other2,
    /// <summary><see cref="UserIdentity.Other3"/>.</summary>
    Other3,
    /// <summary><see cref="UserIdentity.Other4"/>.</summary>
    Other4,
    /// <summary><see cref="UserIdentity.Other5"/>.</summary>
    Other5,
    /// <summary><see cref="UserIdentity.Other6"/>.</summary>
    Other6,
    /// <summary><see cref="UserIdentity.Other7"/>.</summary>
    Other7,
    /// <summary><see cref="UserIdentity.Other8"/>.</summary>
    Other8,
    /// <summary><see cref="UserIdentity.Other9"/>.</summary>
    Other9,
    /// <summary><see cref="UserIdentity.Other10"/>.</summary>
    Other10,
}
