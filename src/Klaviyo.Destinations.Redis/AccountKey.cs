using System.Security.Cryptography;
using System.Text;

namespace Klaviyo.Destinations.Redis;

/// <summary>
/// The account part of Redis key names: the first 16 hex digits of a SHA-256 of the API key. Replicas with the same
/// key share one budget, tenants with different keys get their own; the key itself never reaches Redis.
/// </summary>
internal static class AccountKey
{
    public static string Of(string? apiKey)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("klaviyo-destinations/account:" + (apiKey ?? "").Trim()));
        return Convert.ToHexStringLower(hash.AsSpan(0, 8));
    }

    /// <summary>An endpoint's path template as a key part: letters and digits kept, the rest '-'.</summary>
    public static string Slug(string endpoint)
    {
        var sb = new StringBuilder(endpoint.Length);
        foreach (var c in endpoint.Trim('/')) sb.Append(char.IsAsciiLetterOrDigit(c) ? c : '-');
        return sb.ToString();
    }
}
