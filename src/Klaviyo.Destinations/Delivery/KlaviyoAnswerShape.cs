using System.Net.Http.Headers;
using System.Text.Json;

namespace Klaviyo.Destinations;

/// <summary>
/// A 2xx counts only when it looks like Klaviyo's: the endpoints that answer with a document (profile import, import
/// jobs, reads) send a JSON:API object with <c>data</c>; the endpoints that accept without one (events, event bulk jobs,
/// list changes, subscription and deletion jobs) send no body, or a JSON document. An HTML page from a proxy or captive
/// portal, a truncated document or an empty answer where a document is due is not delivery: it is retried and logged.
/// </summary>
internal static class KlaviyoAnswerShape
{
    /// <summary>Why a 2xx is not Klaviyo's; null when it is.</summary>
    public static string? Refuse(KlaviyoEndpoint endpoint, MediaTypeHeaderValue? contentType, byte[] body)
    {
        if (body.Length == 0)
            return AcceptsWithoutBody(endpoint) ? null : "an empty body where Klaviyo sends a JSON:API document";
        var media = contentType?.MediaType;
        if (!string.Equals(media, KlaviyoHttpSender.MediaType, StringComparison.OrdinalIgnoreCase) &&
            !string.Equals(media, "application/json", StringComparison.OrdinalIgnoreCase))
            return $"content type '{media ?? "none"}', not {KlaviyoHttpSender.MediaType}";
        try
        {
            var reader = new Utf8JsonReader(body);
            using var document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.ValueKind != JsonValueKind.Object) return "a JSON body that is not an object";
            if (!AcceptsWithoutBody(endpoint) && !document.RootElement.TryGetProperty("data", out _)) return "a JSON body without 'data'";
            return null;
        }
        catch (JsonException)
        {
            return "a body that is not valid JSON";
        }
    }

    private static bool AcceptsWithoutBody(KlaviyoEndpoint endpoint) => endpoint is KlaviyoEndpoint.Events or KlaviyoEndpoint.EventBulkCreate
        or KlaviyoEndpoint.ListAdd or KlaviyoEndpoint.ListRemove or KlaviyoEndpoint.SubscribeJob or KlaviyoEndpoint.UnsubscribeJob or KlaviyoEndpoint.DeletionJob;
}
