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
}
