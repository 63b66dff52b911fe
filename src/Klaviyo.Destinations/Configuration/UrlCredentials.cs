namespace Klaviyo.Destinations;

/// <summary>
/// A URL's user-info (<c>https://user:secret@host</c>) is a credential: it is never logged, echoed in an error or sent.
/// Klaviyo authenticates with the API key alone, so a base URL carrying one is refused at startup without repeating it.
/// </summary>
internal static class UrlCredentials
{
    /// <summary>Whether <paramref name="url"/> carries a user name or password.</summary>
    public static bool Has(Uri url) => url.IsAbsoluteUri && url.UserInfo.Length > 0;

    /// <summary><paramref name="url"/> as text with any user-info replaced by <c>***</c>.</summary>
    public static string Display(Uri? url)
    {
        if (url is null) return "";
        if (!Has(url)) return url.ToString();
        var builder = new UriBuilder(url) { UserName = "***", Password = "" };
        return builder.Uri.ToString();
    }

    /// <summary>Text the user typed as a URL, with anything that looks like user-info (<c>…@</c> before the host) masked.</summary>
    public static string Display(string text)
    {
        var scheme = text.IndexOf("://", StringComparison.Ordinal);
        var start = scheme < 0 ? 0 : scheme + 3;
        var end = text.IndexOfAny(['/', '?', '#'], start);
        var at = text.LastIndexOf('@', end < 0 ? text.Length - 1 : end - 1);
        return at < start ? text : text[..start] + "***" + text[at..];
    }
}
