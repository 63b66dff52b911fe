namespace Klaviyo.Destinations;

/// <summary>Facts about the Klaviyo API this library targets.</summary>
public static class KlaviyoApi
{
    /// <summary>The pinned API revision (sent as the <c>revision</c> header). Override with <see cref="KlaviyoDestinationOptions.Revision"/>.</summary>
    public const string Revision = "2026-07-15";

    /// <summary>Klaviyo's production base address.</summary>
    public const string ProductionBaseUrl = "https://a.klaviyo.com";
}
