namespace Klaviyo.Destinations;

/// <summary>
/// Which identity is sent as Klaviyo's <c>external_id</c>. Klaviyo advises against <c>external_id</c> unless the id
/// belongs to a person with a known email and never changes (it can create duplicate profiles); never use it for
/// anonymous ids.
/// </summary>
public enum AlternateIdentifier
{
    /// <summary>No <c>external_id</c> is sent (unless a model maps one explicitly).</summary>
    None,
    /// <summary>The userId (or <see cref="UserIdentity.CustomerId"/>). The default, as in Segment.</summary>
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
