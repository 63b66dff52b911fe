using System.Text.Json;

namespace Klaviyo.Destinations.MParticle;

public static partial class MParticleBatchReader
{
    /// <summary>
    /// <c>consent_state.gdpr</c>: purpose → {consented: true|false, …} becomes consent name → granted, which
    /// ConsentMapping (or the names email_marketing, sms_marketing, sms_transactional) turns into Klaviyo consent.
    /// <c>ccpa</c> (data sale opt-out) has no Klaviyo counterpart and is ignored.
    /// </summary>
    private static bool TryConsent(JsonElement root, out IReadOnlyDictionary<string, bool>? consent, out string? error)
    {
        consent = null;
        error = null;
        if (!root.TryGetProperty("consent_state", out var state) || state.ValueKind == JsonValueKind.Null) return true;
        if (state.ValueKind != JsonValueKind.Object)
        {
            error = "consent_state must be an object such as {\"gdpr\":{\"email_marketing\":{\"consented\":true}}}";
            return false;
        }
        if (!state.TryGetProperty("gdpr", out var gdpr) || gdpr.ValueKind == JsonValueKind.Null) return true;
        if (gdpr.ValueKind != JsonValueKind.Object)
        {
            error = "consent_state.gdpr must be an object of purpose → {\"consented\":true|false}";
            return false;
        }
        var given = new Dictionary<string, bool>(StringComparer.OrdinalIgnoreCase);
        foreach (var purpose in gdpr.EnumerateObject())
        {
            if (purpose.Value.ValueKind != JsonValueKind.Object || !purpose.Value.TryGetProperty("consented", out var consented)
                || consented.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                error = $"consent_state.gdpr.{purpose.Name} must be an object with \"consented\": true or false";
                return false;
            }
            given[purpose.Name] = consented.GetBoolean();
        }
        consent = given.Count == 0 ? null : given;
        return true;
    }
}
