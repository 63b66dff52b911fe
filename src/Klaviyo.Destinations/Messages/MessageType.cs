namespace Klaviyo.Destinations;

/// <summary>The Segment spec call a message came from.</summary>
public enum MessageType
{
    /// <summary><c>Identify</c>.</summary>
    Identify,
    /// <summary><c>Track</c>.</summary>
    Track,
    /// <summary><c>Page</c>.</summary>
    Page,
    /// <summary><c>Screen</c>.</summary>
    Screen,
    /// <summary><c>Group</c>.</summary>
    Group,
    /// <summary><c>Alias</c>.</summary>
    Alias,
    /// <summary><c>AudienceEntered</c>: the person joined the audience in <see cref="AnalyticsMessage.Name"/>.</summary>
    AudienceEntered,
    /// <summary><c>AudienceExited</c>: the person left the audience in <see cref="AnalyticsMessage.Name"/>.</summary>
    AudienceExited,
    /// <summary><c>SetConsent</c>: consents in <see cref="MessageOptions.Consent"/> are granted or revoked.</summary>
    Consent,
    /// <summary><c>DeleteProfile</c>: a privacy deletion of the profile named by the payload's one identifier.</summary>
    DeleteProfile,
}
