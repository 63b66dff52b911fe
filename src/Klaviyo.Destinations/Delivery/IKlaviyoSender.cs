namespace Klaviyo.Destinations;

/// <summary>Sends one queued item to Klaviyo and classifies the answer.</summary>
public interface IKlaviyoSender
{
    /// <summary>Sends <paramref name="item"/>; never throws for HTTP or network failures (they become <see cref="SendStatus.Retry"/>).</summary>
    Task<SendResult> SendAsync(QueuedItem item, CancellationToken cancellationToken);
}

/// <summary>How Klaviyo answered.</summary>
public enum SendStatus
{
    /// <summary>Accepted (2xx).</summary>
    Delivered,
    /// <summary>Permanently refused (4xx other than 429); do not retry.</summary>
    Rejected,
    /// <summary>Try again later (429, 5xx, timeout, connection failure).</summary>
    Retry,
}

/// <summary>The classified answer to one request.</summary>
/// <param name="Status">What to do next.</param>
/// <param name="StatusCode">The HTTP status, or 0 when no answer arrived.</param>
/// <param name="Reason">Klaviyo's error detail (or the failure), when not delivered.</param>
/// <param name="Field">Klaviyo's error pointer, when given.</param>
/// <param name="RetryAfter">How long Klaviyo asked us to wait, when it said.</param>
public readonly record struct SendResult(SendStatus Status, int StatusCode, string? Reason = null, string? Field = null, TimeSpan? RetryAfter = null);
