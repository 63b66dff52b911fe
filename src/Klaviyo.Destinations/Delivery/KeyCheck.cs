using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Klaviyo.Destinations;

/// <summary>
/// <c>GET /api/accounts</c>: the cheapest call that proves the key works. Used at host start (logs the account the key
/// belongs to, never the key) and as the probe of a paused delivery.
/// </summary>
internal static class KeyCheck
{
    public static Task<ApiAnswer> SendAsync(KlaviyoTransport transport, CancellationToken cancellationToken) =>
        transport.SendAsync(KlaviyoEndpoint.GetAccounts, new Uri(transport.BaseUrl, KlaviyoPaths.PathOf(KlaviyoEndpoint.GetAccounts)), null, cancellationToken);

    /// <summary>Checks the key once: logs the account; a refused key pauses delivery (items are kept).</summary>
    public static async Task<DeliveryState> RunAsync(KlaviyoTransport transport, DeliveryGate gate, ILogger logger, CancellationToken cancellationToken)
    {
        var answer = await SendAsync(transport, cancellationToken).ConfigureAwait(false);
        if (answer.Status is 401 or 403)
        {
            var reason = answer.Describe(ApiError.ReadAll(answer.Body).FirstOrDefault()?.Detail);
            // Paused before it is told: whoever reads the error (an alert, a test) then finds the state it describes.
            gate.CredentialsRefused(reason);
            DeliveryLog.KeyRefused(logger, reason);
            return DeliveryState.CredentialsRefused;
        }
        if (!answer.IsSuccess)
        {
            DeliveryLog.KeyNotChecked(logger, answer.Describe(null));
            return gate.State;
        }
        var (id, organization) = ReadAccount(answer.Body);
        DeliveryLog.KeyChecked(logger, id ?? "(unknown)", organization);
        return gate.State;
    }

    private static (string? Id, string? Organization) ReadAccount(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (!document.RootElement.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array || data.GetArrayLength() == 0) return (null, null);
            var account = data[0];
            var id = account.TryGetProperty("id", out var i) && i.ValueKind == JsonValueKind.String ? i.GetString() : null;
            string? organization = null;
            if (account.TryGetProperty("attributes", out var attributes) && attributes.ValueKind == JsonValueKind.Object &&
                attributes.TryGetProperty("contact_information", out var contact) && contact.ValueKind == JsonValueKind.Object &&
                contact.TryGetProperty("organization_name", out var name) && name.ValueKind == JsonValueKind.String)
                organization = name.GetString();
            return (id, organization);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }
}
