using System.Text;

namespace Klaviyo.Destinations;

/// <summary>
/// Settings of the Klaviyo destination: the seeds' settings (Segment, mParticle, Amperity) on Klaviyo's current API.
/// Bind from configuration (section <c>Klaviyo</c>) or set in code; <see cref="Validate"/> runs at startup and fails
/// fast with a message that says how to fix the setting.
/// </summary>
public sealed class KlaviyoDestinationOptions
{
    /// <summary>Your Klaviyo private API key (<c>pk_…</c>). Never logged or shown by <see cref="ToString"/>.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Klaviyo's base address. Default <c>https://a.klaviyo.com</c>; HTTPS is required except on loopback (the emulator).</summary>
    public Uri BaseUrl { get; set; } = new(KlaviyoApi.ProductionBaseUrl);

    /// <summary>The API revision header. Default <see cref="KlaviyoApi.Revision"/>.</summary>
    public string Revision { get; set; } = KlaviyoApi.Revision;

    /// <summary>Which identity becomes <c>external_id</c>. Default <see cref="AlternateIdentifier.CustomerId"/> (the userId).</summary>
    public AlternateIdentifier AlternateIdentifier { get; set; } = AlternateIdentifier.CustomerId;

    /// <summary>Which identity fills <c>phone_number</c> when traits carry no phone. Default Mobile Number.</summary>
    public PhoneIdentifier PhoneIdentifier { get; set; } = PhoneIdentifier.MobileNumber;

    /// <summary>
    /// Segment's "Enforce email as primary identifier": the userId is not sent as <c>external_id</c> but as a custom
    /// <c>id</c> property, and every profile must carry an email. Enable only if you see duplicate profiles.
    /// </summary>
    public bool EnforceEmailAsPrimaryIdentifier { get; set; }

    /// <summary>
    /// Segment's "Fallback on Anonymous ID": events without a userId are sent with the anonymousId as Klaviyo's
    /// <c>anonymous_id</c> (never as <c>external_id</c>). May create superfluous profiles.
    /// </summary>
    public bool FallbackOnAnonymousId { get; set; }

    /// <summary>mParticle's rule: every event must carry an email or a phone number, or it is rejected.</summary>
    public bool RequireEmailOrPhoneOnEvents { get; set; }

    /// <summary>Region (ISO-3166 alpha-2, e.g. <c>US</c>) for phone numbers without a country code when the profile has no country.</summary>
    public string? DefaultPhoneRegion { get; set; }

    /// <summary>Send "Order Completed" under that name instead of Klaviyo's "Placed Order" (Segment's setting).</summary>
    public bool KeepOrderCompletedName { get; set; }

    /// <summary>Also send one "Ordered Product" event per product of an order. Default true.</summary>
    public bool ExpandOrderedProducts { get; set; } = true;

    /// <summary>Metric name for <c>Page</c> calls. Default "Viewed Page".</summary>
    public string PageEventName { get; set; } = "Viewed Page";

    /// <summary>Metric name for <c>Screen</c> calls. Default "Viewed Screen".</summary>
    public string ScreenEventName { get; set; } = "Viewed Screen";

    /// <summary>Default Klaviyo list for identified users (per call: <c>Integrations.Klaviyo.ListId</c>).</summary>
    public string? DefaultListId { get; set; }

    /// <summary>Whether list sign-ups go through the list's opt-in process (double opt-in). Default true, as in Segment.</summary>
    public bool ConfirmOptIn { get; set; } = true;

    /// <summary>
    /// mParticle's "Property Mapping": extra trait keys that fill Klaviyo profile fields, e.g.
    /// <c>{"$mobile": "PhoneNumber", "favouriteStore": "Organization"}</c>. Values are <see cref="ProfileField"/> names.
    /// </summary>
    public Dictionary<string, ProfileField> PropertyMapping { get; set; } = new(StringComparer.Ordinal);

    /// <summary>How long <c>DisposeAsync</c> waits for queued events to be delivered. Default 10 s.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Timeout of one HTTP request to Klaviyo. Default 30 s.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Most delivery attempts per item before it expires. Default 10.</summary>
    public int MaxAttempts { get; set; } = 10;

    /// <summary>First retry delay; doubles per attempt with full jitter, up to <see cref="MaxRetryDelay"/>. Default 1 s.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest wait between attempts (Klaviyo's Retry-After is honoured even when longer). Default 1 min.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>An item older than this is not retried any more and expires. Default 24 h.</summary>
    public TimeSpan MaxItemAge { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Capacity of the built-in in-memory queue; when full, new items are rejected with a reason. Default 100,000.</summary>
    public int QueueCapacity { get; set; } = 100_000;

    /// <summary>Called once per message part with its final outcome (delivered, rejected, expired). Runs on a background thread; exceptions are logged and swallowed.</summary>
    public Action<DeliveryOutcome>? OnOutcome { get; set; }

    /// <summary>Checks the settings; throws <see cref="KlaviyoConfigurationException"/> with a fix for the first problem.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ApiKey))
            throw new KlaviyoConfigurationException("Klaviyo:ApiKey is not set. Set it to your Klaviyo private API key (Klaviyo → Settings → API keys → Create Private API Key), e.g. from the KLAVIYO_API_KEY environment variable or user secrets.");
        if (ApiKey.Trim() != ApiKey || ApiKey.Any(char.IsWhiteSpace))
            throw new KlaviyoConfigurationException("Klaviyo:ApiKey contains white space. Copy the private key again without spaces or line breaks.");
        if (BaseUrl is null || !BaseUrl.IsAbsoluteUri)
            throw new KlaviyoConfigurationException($"Klaviyo:BaseUrl must be an absolute URL such as {KlaviyoApi.ProductionBaseUrl}.");
        if (BaseUrl.Scheme != Uri.UriSchemeHttps && !(BaseUrl.Scheme == Uri.UriSchemeHttp && BaseUrl.IsLoopback))
            throw new KlaviyoConfigurationException($"Klaviyo:BaseUrl '{BaseUrl.GetLeftPart(UriPartial.Authority)}' is not HTTPS. Your API key would travel in clear text; use https:// (plain http is allowed only on loopback, for the emulator).");
        if (string.IsNullOrWhiteSpace(Revision) || Revision.Length < 10 || !DateOnly.TryParseExact(Revision[..10], "yyyy-MM-dd", out _))
            throw new KlaviyoConfigurationException($"Klaviyo:Revision '{Revision}' is not a Klaviyo API revision (YYYY-MM-DD, e.g. {KlaviyoApi.Revision}).");
        if (string.IsNullOrWhiteSpace(PageEventName) || PageEventName.Length >= 128)
            throw new KlaviyoConfigurationException("Klaviyo:PageEventName must be 1–127 characters.");
        if (string.IsNullOrWhiteSpace(ScreenEventName) || ScreenEventName.Length >= 128)
            throw new KlaviyoConfigurationException("Klaviyo:ScreenEventName must be 1–127 characters.");
        if (DefaultPhoneRegion is { } region && (region.Length != 2 || !region.All(char.IsAsciiLetterUpper)))
            throw new KlaviyoConfigurationException($"Klaviyo:DefaultPhoneRegion '{region}' must be an ISO-3166 alpha-2 code in capitals, such as US or DE.");
        if (ShutdownTimeout < TimeSpan.Zero || RequestTimeout <= TimeSpan.Zero)
            throw new KlaviyoConfigurationException("Klaviyo:ShutdownTimeout must be ≥ 0 and Klaviyo:RequestTimeout > 0.");
        if (MaxAttempts < 1)
            throw new KlaviyoConfigurationException("Klaviyo:MaxAttempts must be at least 1.");
        if (RetryBaseDelay < TimeSpan.Zero || MaxRetryDelay < RetryBaseDelay || MaxItemAge <= TimeSpan.Zero)
            throw new KlaviyoConfigurationException("Klaviyo:RetryBaseDelay must be ≥ 0, MaxRetryDelay ≥ RetryBaseDelay and MaxItemAge > 0.");
        if (QueueCapacity < 1)
            throw new KlaviyoConfigurationException("Klaviyo:QueueCapacity must be at least 1.");
        foreach (var pair in PropertyMapping)
            if (pair.Value == ProfileField.None)
                throw new KlaviyoConfigurationException($"Klaviyo:PropertyMapping maps '{pair.Key}' to None. Use a ProfileField name such as FirstName or PhoneNumber, or remove the entry.");
    }

    /// <summary>A description of the settings with the API key redacted.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder("KlaviyoDestinationOptions { ");
        sb.Append("ApiKey = ").Append(Redact(ApiKey));
        sb.Append(", BaseUrl = ").Append(BaseUrl);
        sb.Append(", Revision = ").Append(Revision);
        sb.Append(", AlternateIdentifier = ").Append(AlternateIdentifier);
        sb.Append(", PhoneIdentifier = ").Append(PhoneIdentifier);
        sb.Append(", EnforceEmailAsPrimaryIdentifier = ").Append(EnforceEmailAsPrimaryIdentifier);
        sb.Append(", FallbackOnAnonymousId = ").Append(FallbackOnAnonymousId);
        sb.Append(", DefaultListId = ").Append(DefaultListId ?? "(none)");
        sb.Append(" }");
        return sb.ToString();
    }

    /// <summary>Shows only that a key is set and its public prefix (<c>pk_</c>), never the secret.</summary>
    internal static string Redact(string? apiKey) =>
        string.IsNullOrEmpty(apiKey) ? "(not set)" : apiKey.StartsWith("pk_", StringComparison.Ordinal) ? "pk_***" : "***";
}
