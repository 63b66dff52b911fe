namespace Klaviyo.Destinations;

/// <summary>The request headers whose values are secrets (the private API key), redacted from HttpClientFactory's logs.</summary>
internal static class SecretHeaders
{
    public static bool IsSecret(string header) =>
        string.Equals(header, "Authorization", StringComparison.OrdinalIgnoreCase) ||
        string.Equals(header, "Proxy-Authorization", StringComparison.OrdinalIgnoreCase);
}
