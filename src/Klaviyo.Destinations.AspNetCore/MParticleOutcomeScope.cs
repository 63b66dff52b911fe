using System.Collections.Concurrent;

namespace Klaviyo.Destinations.AspNetCore;

/// <summary>
/// Catches why the Klaviyo rules rejected a message while one request sends it: the destination reports a rejection on
/// the calling thread, inside <see cref="Analytics.SendAsync"/>, so a scope that flows with the request sees it. Installed
/// by <see cref="MParticleServiceCollectionExtensions.AddMParticleBatches"/> around the app's own <c>OnOutcome</c>.
/// </summary>
internal sealed class MParticleOutcomeScope
{
    private static readonly AsyncLocal<MParticleOutcomeScope?> s_current = new();
    private readonly ConcurrentDictionary<string, string> _reasons = new(StringComparer.Ordinal);
    private volatile bool _closed;

    public static MParticleOutcomeScope? Current => s_current.Value;

    public static MParticleOutcomeScope Open()
    {
        var scope = new MParticleOutcomeScope();
        s_current.Value = scope;
        return scope;
    }

    public void Close()
    {
        _closed = true;
        if (ReferenceEquals(s_current.Value, this)) s_current.Value = null;
    }

    public string? ReasonFor(string messageId) => _reasons.TryGetValue(messageId, out var reason) ? reason : null;

    /// <summary>The callback wrapped around the app's <c>OnOutcome</c>.</summary>
    public static void Observe(DeliveryOutcome outcome)
    {
        if (s_current.Value is not { _closed: false } scope || outcome.Status != DeliveryStatus.Rejected) return;
        var reason = outcome.Field is { } field ? $"[{field}] {outcome.Reason}" : outcome.Reason ?? "rejected";
        scope._reasons.AddOrUpdate(outcome.MessageId, reason, (_, earlier) => earlier + " " + reason);
    }
}

/// <summary>In the services when <see cref="MParticleOutcomeScope.Observe"/> wraps <c>OnOutcome</c> (the endpoint then reports the rules' reasons).</summary>
internal sealed class MParticleOutcomeHook;
