using System.Text;

namespace Klaviyo.Destinations;

/// <summary>
/// Settings of the Klaviyo destination: the seeds' settings (Segment, mParticle, Amperity) on Klaviyo's current API.
/// Bind from configuration (section <c>Klaviyo</c>) or set in code; <see cref="Validate"/> runs at startup and fails
/// fast with a message that says how to fix the setting.
/// </summary>
public sealed partial class KlaviyoDestinationOptions
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
    /// mParticle's "External Email Identity Type": which identity is sent as the email when the traits carry none.
    /// Default <see cref="ExternalEmailIdentityType.Email"/>; choose CustomerId or Other…Other10 when your email lives there.
    /// </summary>
    public ExternalEmailIdentityType ExternalEmailIdentityType { get; set; } = ExternalEmailIdentityType.Email;

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

    /// <summary>
    /// Default Klaviyo list for identified users (per call: <c>Integrations.Klaviyo.ListId</c>, which wins). An
    /// Identify then also signs the person up to the list; it needs an email (Segment's rule). See <see cref="ConfirmOptIn"/>.
    /// </summary>
    public string? DefaultListId { get; set; }

    /// <summary>
    /// How an Identify signs a person up to <see cref="DefaultListId"/> (per call: <c>Integrations.Klaviyo.ConfirmOptIn</c>).
    /// True (default, as in Segment): an email-marketing subscription through the list
    /// (<c>profile-subscription-bulk-create-jobs</c> with <c>relationships.list</c>), so the list's opt-in process
    /// applies: with double opt-in Klaviyo emails a confirmation and adds the person when they confirm. False: the
    /// person is only added to the list (<c>POST /api/lists/{id}/relationships/profiles</c>), consent is not changed.
    /// Send consent you already hold with <see cref="MessageOptions.Consent"/>. Adding people without their explicit
    /// permission can get your Klaviyo account suspended.
    /// </summary>
    public bool ConfirmOptIn { get; set; } = true;

    /// <summary>
    /// Audience name → Klaviyo list id, for <c>AudienceEntered</c>/<c>AudienceExited</c> and the "Audience Entered"/
    /// "Audience Exited" events (property <c>audience</c> or <c>audience_name</c>). Names compare case-insensitively.
    /// An audience without a list is rejected with the reason.
    /// </summary>
    public Dictionary<string, string> AudienceLists { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Computed audience name (as in <see cref="MessageOptions.Audiences"/>) → Klaviyo list id: besides the snake_case
    /// profile property, membership changes also add the person to or remove them from this list.
    /// </summary>
    public Dictionary<string, string> ComputedAudienceLists { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Treat Track events "Audience Entered"/"Audience Exited" as list membership changes too (the event is still sent). Default true.</summary>
    public bool MapAudienceEvents { get; set; } = true;

    /// <summary>Audience updates (list membership changes from audiences) waiting that send a batch at once. Default 100 (mParticle's bulk forwarding).</summary>
    public int AudienceFlushCount { get; set; } = 100;

    /// <summary>The longest an audience update waits for its batch to fill. Default 16 h (mParticle's bulk forwarding). <c>FlushAsync</c> sends at once.</summary>
    public TimeSpan AudienceFlushInterval { get; set; } = TimeSpan.FromHours(16);

    /// <summary>
    /// mParticle's "Consent Mapping": your app's consent names → Klaviyo channels, e.g.
    /// <c>{"newsletter": EmailMarketing, "sms_offers": SmsMarketing}</c>. The names <c>email_marketing</c>,
    /// <c>sms_marketing</c> and <c>sms_transactional</c> always work. Names compare case-insensitively.
    /// </summary>
    public Dictionary<string, KlaviyoConsentChannel> ConsentMapping { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Text stored on Klaviyo's consent records as <c>custom_source</c> (e.g. "Mobile app"). Optional.</summary>
    public string? ConsentSource { get; set; }

    /// <summary>
    /// What to do with a consent revocation limited to a list the profile is not in (Klaviyo would unsubscribe it
    /// globally). Default <see cref="UnsubscribeOutsideList.Skip"/>. Membership is checked with Klaviyo just before sending.
    /// </summary>
    public UnsubscribeOutsideList UnsubscribeOutsideList { get; set; } = UnsubscribeOutsideList.Skip;

    /// <summary>Klaviyo profile ids remembered (by email, phone number, external id) so list changes need no lookup. Default 100,000.</summary>
    public int ProfileIdCacheSize { get; set; } = 100_000;

    /// <summary>Last-known computed audience memberships remembered (person × audience); unchanged memberships send nothing. Default 100,000.</summary>
    public int AudienceMembershipCacheSize { get; set; } = 100_000;

    /// <summary>
    /// mParticle's "Property Mapping": extra trait keys that fill Klaviyo profile fields, e.g.
    /// <c>{"$mobile": "PhoneNumber", "favouriteStore": "Organization"}</c>. Values are <see cref="ProfileField"/> names.
    /// </summary>
    public Dictionary<string, ProfileField> PropertyMapping { get; set; } = new(StringComparer.Ordinal);

    /// <summary>How long <c>DisposeAsync</c> waits for queued events to be delivered. Default 10 s.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Timeout of one HTTP request to Klaviyo. Default 30 s.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Most delivery attempts per item before it expires (a dead letter). Attempts made while delivery is paused (a
    /// refused key, Klaviyo down) and 429 answers do not count: only failures of this item while Klaviyo answers others. Default 10.
    /// </summary>
    public int MaxAttempts { get; set; } = 10;

    /// <summary>First retry delay; doubles per attempt with full jitter, up to <see cref="MaxRetryDelay"/>. Default 1 s.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest wait between attempts (Klaviyo's Retry-After is honoured even when longer). Default 1 min.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How often a paused delivery (Klaviyo refused the key, or is down as a whole) checks whether Klaviyo answers again,
    /// with one <c>GET /api/accounts</c>. Items are kept meanwhile. Default 30 s.
    /// </summary>
    public TimeSpan PausedProbeInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Checks the key with <c>GET /api/accounts</c> when the host starts (<c>AddKlaviyoDestinations</c>) and logs the
    /// account it belongs to (never the key). A refused key pauses delivery from the start, keeping the items. Default true.
    /// </summary>
    public bool CheckKeyAtStartup { get; set; } = true;

    /// <summary>
    /// An item older than this is not retried any more and expires (a dead letter), also while delivery is paused by a
    /// refused key or a Klaviyo outage. Default 24 h.
    /// </summary>
    public TimeSpan MaxItemAge { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// Where accepted items wait for delivery. <see cref="QueueStorage.Disk"/> (the default): a durable SQLite queue at
    /// <see cref="QueuePath"/>, or at a default location per app and account when that is not set; items survive crashes
    /// and restarts. <see cref="QueueStorage.Memory"/>: in memory, for tests and ephemeral hosts. See <c>docs/durability.md</c>.
    /// </summary>
    public QueueStorage QueueStorage { get; set; } = QueueStorage.Disk;

    /// <summary>Capacity of the in-memory queue (<see cref="QueueStorage.Memory"/>); when full, new items are rejected with a reason. Default 100,000.</summary>
    public int QueueCapacity { get; set; } = 100_000;

    /// <summary>
    /// Where a call's payload is mapped: on the caller's thread before the call returns (<see cref="MappingThread.Caller"/>,
    /// the default), or by a background task so the call only captures the message (<see cref="MappingThread.Background"/>:
    /// read its terms before opting in: payloads must not change after the call, and a message is durable only once mapped).
    /// </summary>
    public MappingThread MappingThread { get; set; } = MappingThread.Caller;

    /// <summary>
    /// The durable queue's file (SQLite, created when missing). Items survive crashes and restarts:
    /// <c>TrackAsync</c>/<c>IdentifyAsync</c> complete once the item is on disk, and what is not delivered at shutdown is
    /// sent by the next run (or <c>klaviyo-dest drain</c>). One owner per path. When null (the default) the queue lives at
    /// <c>&lt;LocalApplicationData&gt;/Klaviyo.Destinations/&lt;app&gt;/&lt;account&gt;/queue.db</c>, with a slot per
    /// concurrent instance. Setting it implies <see cref="QueueStorage.Disk"/>. See <c>docs/durability.md</c>.
    /// </summary>
    public string? QueuePath { get; set; }

    /// <summary>The durable queue's disk budget: bytes of undelivered items it holds at most. Default 1 GiB.</summary>
    public long MaxQueueBytes { get; set; } = 1L << 30;

    /// <summary>What the durable queue does at its disk budget. Default <see cref="QueueOverflowMode.RefuseNew"/> (new items are rejected with a reason).</summary>
    public QueueOverflowMode QueueOverflow { get; set; } = QueueOverflowMode.RefuseNew;

    /// <summary>
    /// Whether each group commit of the durable queue waits for the disk (SQLite <c>synchronous=FULL</c>), so accepted
    /// items survive a power loss and not only a crash of the process. Default true. False makes a lone commit much
    /// faster (an awaited <c>TrackAsync</c>: 37 µs instead of 0.61 ms on the CI container) and changes little under
    /// load, where group commit spreads each fsync over many items.
    /// </summary>
    public bool QueueSyncToDisk { get; set; } = true;

    /// <summary>
    /// Items the durable queue holds in memory between the caller and the disk at most; beyond that, calls are refused
    /// with a reason instead of growing memory (the disk is slower than the calls). Default 50,000.
    /// </summary>
    public int QueueHandOffCapacity { get; set; } = 50_000;

    /// <summary>Committed items the durable queue keeps in memory ready for the sender; the rest wait on disk. Default 5,000.</summary>
    public int QueueReadAhead { get; set; } = 5_000;

    /// <summary>Dead letters the durable queue keeps at most; beyond that the oldest are deleted with a warning. Default 100,000.</summary>
    public int MaxDeadLetters { get; set; } = 100_000;

    /// <summary>
    /// How the sender trades latency for throughput: <see cref="DeliveryMode.Batched"/> (default: Klaviyo's bulk jobs,
    /// 1 s / 1,000 items), <see cref="DeliveryMode.LowLatency"/> (every item alone, at once) or
    /// <see cref="DeliveryMode.BulkForwarding"/> (mParticle's defaults: 100 items or 16 hours).
    /// </summary>
    public DeliveryMode DeliveryMode { get; set; } = DeliveryMode.Batched;

    /// <summary>
    /// Ready items of one kind (profiles or events) that send a batch at once. Null = the mode's default (1,000 when
    /// batched, 100 for bulk forwarding). A batch holds at most 10,000 profiles or 1,000 events whatever this says.
    /// </summary>
    public int? FlushCount { get; set; }

    /// <summary>
    /// The longest a ready item waits for its batch to fill. Null = the mode's default (1 s when batched, 16 h for bulk
    /// forwarding). <c>FlushAsync</c> and disposing send everything at once regardless.
    /// </summary>
    public TimeSpan? FlushInterval { get; set; }

    /// <summary>Ready bytes of one kind (measured on the encoded JSON) that send a batch at once. Default 4 MB; a request body never exceeds Klaviyo's 5 MB.</summary>
    public long FlushBytes { get; set; } = 4_000_000;

    /// <summary>Batches in progress at once (sending, waiting to retry, or following a profile import job). Default 8. Per-person order holds whatever the value.</summary>
    public int MaxConcurrentBatches { get; set; } = 8;

    /// <summary>
    /// The per-endpoint rate tiers the sender paces itself by (burst per second and steady per minute; revision
    /// 2026-07-15 values by default). Lower them when other integrations share the account's quota.
    /// </summary>
    public KlaviyoRateLimits RateLimits { get; set; } = new();

    /// <summary>
    /// Emulated seconds per real second of the Klaviyo you talk to: rate windows and job polling are divided by this.
    /// 1 for Klaviyo; set it to the emulator's <c>--time-scale</c> when testing against a compressed emulator.
    /// </summary>
    public double RateLimitTimeScale { get; set; } = 1;

    /// <summary>
    /// Paces requests by a rate budget shared with other processes sending for the same account (e.g.
    /// <c>Klaviyo.Destinations.Redis</c>'s, which <c>AddKlaviyoRedis</c> sets up) instead of this process's own buckets;
    /// null restores the default (this process paces itself by <see cref="RateLimits"/> alone). A method rather than a
    /// property because it is set in code or by a package, never bound from configuration. See <c>docs/scale-out.md</c>.
    /// </summary>
    /// <returns>These options.</returns>
    public KlaviyoDestinationOptions UseRateBudget(IKlaviyoRateBudget? budget)
    {
        _rateBudget = budget;
        return this;
    }

    /// <summary>The budget set by <see cref="UseRateBudget"/>, if any (a method, not a property: the configuration binder would try to bind a property).</summary>
    internal IKlaviyoRateBudget? RateBudget() => _rateBudget;

    private IKlaviyoRateBudget? _rateBudget;

    /// <summary>Follow profile import jobs (job status, then import errors) so per-row failures become per-item rejections. Default true.</summary>
    public bool FollowImportJobs { get; set; } = true;

    /// <summary>First wait before reading a profile import job's status; grows by half per poll up to ten times this. Default 1 s.</summary>
    public TimeSpan JobPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a profile import job is followed; after that its rows are reported delivered (accepted) with a warning log. Default 15 min.</summary>
    public TimeSpan JobFollowTimeout { get; set; } = TimeSpan.FromMinutes(15);

    internal int EffectiveFlushCount => FlushCount ?? (DeliveryMode == DeliveryMode.BulkForwarding ? 100 : 1_000);

    internal TimeSpan EffectiveFlushInterval => FlushInterval ?? (DeliveryMode == DeliveryMode.BulkForwarding ? TimeSpan.FromHours(16) : TimeSpan.FromSeconds(1));

    /// <summary>Called once per message part with its final outcome (delivered, rejected, expired). Runs on a background thread, never concurrently with itself; exceptions are logged and swallowed.</summary>
    public Action<DeliveryOutcome>? OnOutcome { get; set; }

    /// <summary>A description of the settings with the API key redacted.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder("KlaviyoDestinationOptions { ");
        sb.Append("ApiKey = ").Append(Redact(ApiKey));
        sb.Append(", BaseUrl = ").Append(UrlCredentials.Display(BaseUrl));
        sb.Append(", Revision = ").Append(Revision);
        sb.Append(", AlternateIdentifier = ").Append(AlternateIdentifier);
        sb.Append(", PhoneIdentifier = ").Append(PhoneIdentifier);
        sb.Append(", ExternalEmailIdentityType = ").Append(ExternalEmailIdentityType);
        sb.Append(", EnforceEmailAsPrimaryIdentifier = ").Append(EnforceEmailAsPrimaryIdentifier);
        sb.Append(", FallbackOnAnonymousId = ").Append(FallbackOnAnonymousId);
        sb.Append(", DefaultListId = ").Append(DefaultListId ?? "(none)");
        sb.Append(", ConfirmOptIn = ").Append(ConfirmOptIn);
        if (AudienceLists?.Count > 0) sb.Append(", AudienceLists = ").Append(AudienceLists.Count);
        if (ConsentMapping?.Count > 0) sb.Append(", ConsentMapping = ").Append(ConsentMapping.Count);
        sb.Append(", DeliveryMode = ").Append(DeliveryMode);
        sb.Append(", FlushCount = ").Append(EffectiveFlushCount);
        sb.Append(", FlushInterval = ").Append(EffectiveFlushInterval);
        sb.Append(", MaxConcurrentBatches = ").Append(MaxConcurrentBatches);
        sb.Append(", Queue = ").Append(QueueStorage == QueueStorage.Memory
            ? $"in memory (capacity {QueueCapacity:N0})"
            : QueueStorage == QueueStorage.Redis ? "shared on Redis"
            : $"durable at {QueuePath ?? "the default location"} (budget {MaxQueueBytes:N0} bytes, {QueueOverflow}{(QueueSyncToDisk ? "" : ", no fsync")})");
        if (MappingThread != MappingThread.Caller) sb.Append(", MappingThread = ").Append(MappingThread);
        if (RateLimitTimeScale != 1) sb.Append(", RateLimitTimeScale = ").Append(RateLimitTimeScale);
        sb.Append(" }");
        return sb.ToString();
    }

    /// <summary>
    /// The durable queue's settings from these options (<see cref="QueuePath"/>, <see cref="MaxQueueBytes"/>,
    /// <see cref="QueueOverflow"/>, <see cref="QueueSyncToDisk"/>, <see cref="QueueHandOffCapacity"/>,
    /// <see cref="QueueReadAhead"/>, <see cref="MaxDeadLetters"/>): for opening the queue yourself, e.g. to list or replay
    /// dead letters while no client runs.
    /// </summary>
    public SqliteEventQueueOptions CreateDurableQueueOptions() => new()
    {
        Path = QueuePath ?? "",
        MaxBytes = MaxQueueBytes,
        Overflow = QueueOverflow,
        SyncToDisk = QueueSyncToDisk,
        HandOffCapacity = QueueHandOffCapacity,
        ReadAhead = QueueReadAhead,
        MaxDeadLetters = MaxDeadLetters,
    };

    /// <summary>Shows only that a key is set and its public prefix (<c>pk_</c>), never the secret.</summary>
    internal static string Redact(string? apiKey) =>
        string.IsNullOrEmpty(apiKey) ? "(not set)" : apiKey.StartsWith("pk_", StringComparison.Ordinal) ? "pk_***" : "***";
}
