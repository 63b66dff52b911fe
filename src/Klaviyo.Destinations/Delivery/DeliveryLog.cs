using Microsoft.Extensions.Logging;

namespace Klaviyo.Destinations;

/// <summary>Log messages about delivery as a whole: pauses, resumptions, the key check, the HTTP pipeline.</summary>
internal static partial class DeliveryLog
{
    [LoggerMessage(301, LogLevel.Error, "Klaviyo delivery paused ({State}): {Reason}. Every item is kept; Klaviyo is checked again every {Interval} and delivery resumes when it answers. For CredentialsRefused, fix Klaviyo:ApiKey (a private key with the needed scopes)")]
    public static partial void Paused(ILogger logger, DeliveryState state, TimeSpan interval, string? reason);

    [LoggerMessage(302, LogLevel.Information, "Klaviyo delivery resumed after {Duration} ({State} is over)")]
    public static partial void Resumed(ILogger logger, DeliveryState state, TimeSpan duration);

    [LoggerMessage(303, LogLevel.Information, "Klaviyo API key checked: it belongs to account {AccountId} ({Organization})")]
    public static partial void KeyChecked(ILogger logger, string accountId, string? organization);

    [LoggerMessage(304, LogLevel.Error, "Klaviyo refused the API key at startup: {Reason}. Delivery stays paused (items are kept) until the key works; fix Klaviyo:ApiKey")]
    public static partial void KeyRefused(ILogger logger, string reason);

    [LoggerMessage(305, LogLevel.Warning, "The Klaviyo API key could not be checked at startup: {Reason}. Delivery starts anyway and pauses if Klaviyo is down")]
    public static partial void KeyNotChecked(ILogger logger, string reason);

    [LoggerMessage(306, LogLevel.Warning, "Another handler in the '{Client}' HttpClient pipeline (e.g. AddStandardResilienceHandler from ConfigureHttpClientDefaults) retried or hedged a request to Klaviyo. Klaviyo.Destinations retries itself with Klaviyo's rate tiers and Retry-After: each of its attempts is now sent once and the extra attempts are refused. Remove the resilience handler from this client to silence this warning (see README, 'Resilience handlers')")]
    public static partial void OuterRetryDetected(ILogger logger, string client);

    [LoggerMessage(307, LogLevel.Information, "Klaviyo destination stopping: delivering what is queued (up to {Timeout})")]
    public static partial void Draining(ILogger logger, TimeSpan timeout);

    [LoggerMessage(308, LogLevel.Information, "Klaviyo:ApiKey changed in configuration: requests use the new key from now on (delivery state {State}; a paused delivery asks Klaviyo again at once)")]
    public static partial void KeyChanged(ILogger logger, DeliveryState state);
}
