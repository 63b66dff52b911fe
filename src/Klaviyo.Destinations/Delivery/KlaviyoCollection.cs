using System.Text;
using System.Text.Json;

namespace Klaviyo.Destinations;

/// <summary>Reads one page of a JSON:API collection (profiles, a list's members) as raw resources.</summary>
internal static class KlaviyoCollection
{
    /// <summary>Reads a JSON:API collection (one page); null resources when the request failed.</summary>
    public static async Task<(ApiAnswer Answer, List<byte[]>? Resources)> ReadPageAsync(KlaviyoTransport transport, KlaviyoEndpoint endpoint, string pathAndQuery, CancellationToken cancellationToken)
    {
        var answer = await transport.SendAsync(endpoint, new Uri(transport.BaseUrl, pathAndQuery), null, cancellationToken).ConfigureAwait(false);
        if (!answer.IsSuccess) return (answer, null);
        var resources = new List<byte[]>();
        try
        {
            using var document = JsonDocument.Parse(answer.Body);
            if (document.RootElement.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array)
                foreach (var resource in data.EnumerateArray())
                    resources.Add(Encoding.UTF8.GetBytes(resource.GetRawText()));
        }
        catch (JsonException)
        {
            return (answer with { Status = 502, Failure = "Klaviyo answered with a body that is not JSON." }, null);
        }
        return (answer, resources);
    }
}
