namespace Klaviyo.Emulator.Spec;

/// <summary>One fixed rate-limit window of an operation, in emulated time.</summary>
/// <param name="Name">The spec's name for it: <c>burst</c>, <c>steady</c> or <c>daily</c>.</param>
/// <param name="Limit">Requests allowed per window.</param>
/// <param name="Window">Window length in emulated time.</param>
internal sealed record RateLimitRule(string Name, int Limit, TimeSpan Window);
