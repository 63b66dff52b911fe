namespace Klaviyo.Destinations;

/// <summary>Per-call options: identity, timing, context and per-destination overrides (Segment's message fields).</summary>
public sealed class MessageOptions
{
    /// <summary>No options.</summary>
    public static MessageOptions None { get; } = new();

    /// <summary>The anonymous id of the person (used with <see cref="KlaviyoDestinationOptions.FallbackOnAnonymousId"/>).</summary>
    public string? AnonymousId { get; init; }

    /// <summary>The message id; becomes the event's <c>unique_id</c> unless the event carries its own. Generated when absent.</summary>
    public string? MessageId { get; init; }

    /// <summary>When it happened. Default: the time of the call.</summary>
    public DateTimeOffset? Timestamp { get; init; }

    /// <summary>Free-form context (Segment's <c>context</c>), available to plugins.</summary>
    public IReadOnlyDictionary<string, object?>? Context { get; init; }

    /// <summary>Extra identities of the person (mParticle's user identities).</summary>
    public IReadOnlyDictionary<UserIdentity, string>? Identities { get; init; }

    /// <summary>
    /// Computed audiences or traits (Segment Personas style): each becomes a snake_case boolean profile property,
    /// e.g. "Order Completed Last 30 Days" → <c>order_completed_last_30_days: true</c>.
    /// </summary>
    public IReadOnlyDictionary<string, bool>? Audiences { get; init; }

    /// <summary>Per-destination overrides (<c>integrations.Klaviyo</c>).</summary>
    public Integrations? Integrations { get; init; }

    /// <summary>
    /// Consents given (true) or withdrawn (false) by the person, by your app's consent names, mapped to Klaviyo channels
    /// with <see cref="KlaviyoDestinationOptions.ConsentMapping"/> (the names <c>email_marketing</c>,
    /// <c>sms_marketing</c> and <c>sms_transactional</c> work without a mapping). Applies to <c>Identify</c> and
    /// <c>SetConsent</c>. The consent time is <see cref="Timestamp"/> (default: the time of the call). See
    /// <c>docs/audiences.md</c>.
    /// </summary>
    public IReadOnlyDictionary<string, bool>? Consent { get => _consent; init => _consent = value; }

    private IReadOnlyDictionary<string, bool>? _consent;

    /// <summary>A copy with <see cref="Consent"/> replaced.</summary>
    internal MessageOptions WithConsent(IReadOnlyDictionary<string, bool> consent)
    {
        var copy = (MessageOptions)MemberwiseClone();
        copy._consent = consent;
        return copy;
    }

    /// <summary>
    /// Identify only: append to, unappend from or unset custom properties without overwriting them (Klaviyo's
    /// <c>meta.patch_properties</c>). Validated while mapping; see <see cref="ProfilePropertyPatch"/>.
    /// </summary>
    public ProfilePropertyPatch? PatchProperties { get; init; }

    /// <summary>Send events with Klaviyo's <c>backfill</c> flag: recorded without triggering flows (historical imports).</summary>
    public bool Backfill { get; init; }
}

/// <summary>Per-destination overrides of one call.</summary>
public sealed class Integrations
{
    /// <summary>Klaviyo overrides.</summary>
    public KlaviyoIntegrationOptions? Klaviyo { get; init; }
}

/// <summary>Klaviyo overrides of one call (Segment's <c>integrations.Klaviyo</c>).</summary>
public sealed class KlaviyoIntegrationOptions
{
    /// <summary>False to skip Klaviyo for this call.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Add the identified person to this list instead of <see cref="KlaviyoDestinationOptions.DefaultListId"/>.</summary>
    public string? ListId { get; init; }

    /// <summary>Override <see cref="KlaviyoDestinationOptions.ConfirmOptIn"/> for this call.</summary>
    public bool? ConfirmOptIn { get; init; }
}
