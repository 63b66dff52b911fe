namespace Klaviyo.Destinations;

/// <summary>Whether delivery to Klaviyo is running or paused, and why (see <see cref="KlaviyoDestination.State"/>).</summary>
public enum DeliveryState
{
    /// <summary>Delivering.</summary>
    Running,
    /// <summary>
    /// Klaviyo refused the API key (401, or 403: the key lacks a scope). Delivery is paused and every item is kept; a
    /// cheap request (<c>GET /api/accounts</c>) checks the key on a slow schedule and delivery resumes when it works.
    /// </summary>
    CredentialsRefused,
    /// <summary>
    /// Klaviyo as a whole is not answering (connection failures, timeouts or 5xx for several requests in a row).
    /// Delivery is paused and items are kept (up to <see cref="KlaviyoDestinationOptions.MaxItemAge"/>); attempts made
    /// while Klaviyo is down do not count towards <see cref="KlaviyoDestinationOptions.MaxAttempts"/>.
    /// </summary>
    KlaviyoUnavailable,
}
