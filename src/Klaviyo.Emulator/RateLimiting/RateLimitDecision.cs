namespace Klaviyo.Emulator.RateLimiting;

/// <summary>
/// The outcome of a rate-limit check. Times are real durations on the emulator's clock (already divided by the time
/// scale). <see cref="Limit"/>, <see cref="Remaining"/> and <see cref="Reset"/> describe the steady window, as
/// Klaviyo's <c>RateLimit-*</c> headers do.
/// </summary>
internal sealed record RateLimitDecision(bool Allowed, TimeSpan RetryAfter, int Limit, int Remaining, TimeSpan Reset)
{
    public static RateLimitDecision Unlimited { get; } = new(true, TimeSpan.Zero, 0, 0, TimeSpan.Zero);

    /// <summary>False when limits are off or the operation has none: no headers are sent.</summary>
    public bool HasWindow => Limit > 0;
}
