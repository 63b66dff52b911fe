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

    /// <summary>
    /// Checks the settings; throws <see cref="KlaviyoConfigurationException"/> listing every problem, each with its fix
    /// (<see cref="Problems"/> returns them without throwing).
    /// </summary>
    public void Validate()
    {
        var problems = Problems();
        if (problems.Count == 1) throw new KlaviyoConfigurationException(problems[0]);
        if (problems.Count > 1)
            throw new KlaviyoConfigurationException($"{problems.Count} Klaviyo settings are wrong:{Environment.NewLine}- " + string.Join(Environment.NewLine + "- ", problems));
    }

    /// <summary>Every problem with the settings, each with how to fix it; empty when they are valid.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(ApiKey))
            problems.Add("Klaviyo:ApiKey is not set. Set it to your Klaviyo private API key (Klaviyo → Settings → API keys → Create Private API Key), e.g. in user secrets, a secret store or the environment variable Klaviyo__ApiKey (the section Klaviyo, key ApiKey).");
        else if (ApiKey.Trim() != ApiKey || ApiKey.Any(char.IsWhiteSpace))
            problems.Add("Klaviyo:ApiKey contains white space. Copy the private key again without spaces or line breaks.");
        if (BaseUrl is null || !BaseUrl.IsAbsoluteUri)
            problems.Add($"Klaviyo:BaseUrl must be an absolute URL such as {KlaviyoApi.ProductionBaseUrl}.");
        else if (UrlCredentials.Has(BaseUrl))
            problems.Add("Klaviyo:BaseUrl contains a user name or password ('user:password@' before the host). Klaviyo authenticates with the API key only, and a credential in a URL ends up in logs: remove that part.");
        else if (BaseUrl.Scheme != Uri.UriSchemeHttps && !(BaseUrl.Scheme == Uri.UriSchemeHttp && BaseUrl.IsLoopback))
            problems.Add($"Klaviyo:BaseUrl '{UrlCredentials.Display(new Uri(BaseUrl.GetLeftPart(UriPartial.Authority)))}' is not HTTPS. Your API key would travel in clear text; use https:// (plain http is allowed only on loopback, for the emulator).");
        if (string.IsNullOrWhiteSpace(Revision) || Revision.Length < 10 || !DateOnly.TryParseExact(Revision[..10], "yyyy-MM-dd", out _))
            problems.Add($"Klaviyo:Revision '{Revision}' is not a Klaviyo API revision (YYYY-MM-DD, e.g. {KlaviyoApi.Revision}).");
        if (string.IsNullOrWhiteSpace(PageEventName) || PageEventName.Length > KlaviyoLimits.MaxMetricNameLength)
            problems.Add($"Klaviyo:PageEventName must be 1–{KlaviyoLimits.MaxMetricNameLength} characters.");
        if (string.IsNullOrWhiteSpace(ScreenEventName) || ScreenEventName.Length > KlaviyoLimits.MaxMetricNameLength)
            problems.Add($"Klaviyo:ScreenEventName must be 1–{KlaviyoLimits.MaxMetricNameLength} characters.");
        if (DefaultPhoneRegion is { } region && (region.Length != 2 || !region.All(char.IsAsciiLetterUpper)))
            problems.Add($"Klaviyo:DefaultPhoneRegion '{region}' must be an ISO-3166 alpha-2 code in capitals, such as US or DE.");
        if (ShutdownTimeout < TimeSpan.Zero || RequestTimeout <= TimeSpan.Zero)
            problems.Add("Klaviyo:ShutdownTimeout must be ≥ 0 and Klaviyo:RequestTimeout > 0.");
        if (PausedProbeInterval <= TimeSpan.Zero)
            problems.Add("Klaviyo:PausedProbeInterval must be > 0 (the default is 30 s).");
        if (MaxAttempts < 1)
            problems.Add("Klaviyo:MaxAttempts must be at least 1.");
        if (RetryBaseDelay < TimeSpan.Zero || MaxRetryDelay < RetryBaseDelay || MaxItemAge <= TimeSpan.Zero)
            problems.Add("Klaviyo:RetryBaseDelay must be ≥ 0, MaxRetryDelay ≥ RetryBaseDelay and MaxItemAge > 0.");
        if (QueueCapacity < 1)
            problems.Add("Klaviyo:QueueCapacity must be at least 1.");
        if (!Enum.IsDefined(MappingThread))
            problems.Add($"Klaviyo:MappingThread '{MappingThread}' is not one of Caller, Background.");
        if (!Enum.IsDefined(QueueStorage))
            problems.Add($"Klaviyo:QueueStorage '{QueueStorage}' is not one of Disk, Memory, Redis.");
        if (QueuePath is not null && QueueStorage == QueueStorage.Memory)
            problems.Add("Klaviyo:QueuePath is set but Klaviyo:QueueStorage is Memory. Remove one: a path means the durable queue on disk.");
        if (QueueStorage == QueueStorage.Disk)
        {
            var queue = CreateDurableQueueOptions();
            if (QueuePath is null) queue.Path = "(default location)";
            try
            {
                queue.Validate();
            }
            catch (KlaviyoConfigurationException ex)
            {
                problems.Add(ex.Message);
            }
        }
        if (!Enum.IsDefined(DeliveryMode))
            problems.Add($"Klaviyo:DeliveryMode '{DeliveryMode}' is not one of Batched, LowLatency, BulkForwarding.");
        if (FlushCount is < 1)
            problems.Add("Klaviyo:FlushCount must be at least 1 (or unset for the mode's default: 1,000 batched, 100 bulk forwarding).");
        if (FlushInterval is { } interval && interval < TimeSpan.Zero)
            problems.Add("Klaviyo:FlushInterval must be ≥ 0 (or unset for the mode's default: 1 s batched, 16 h bulk forwarding).");
        if (FlushBytes < 1 || FlushBytes > BatchComposer.MaxBodyBytes)
            problems.Add($"Klaviyo:FlushBytes must be between 1 and {BatchComposer.MaxBodyBytes:N0} (Klaviyo's 5 MB payload limit).");
        if (MaxConcurrentBatches < 1)
            problems.Add("Klaviyo:MaxConcurrentBatches must be at least 1.");
        if (RateLimits is null)
            problems.Add("Klaviyo:RateLimits must be set (remove the null to use Klaviyo's published tiers).");
        else foreach (var (name, tier) in new[] { ("ProfileImport", RateLimits.ProfileImport), ("Events", RateLimits.Events), ("ProfileBulkImport", RateLimits.ProfileBulkImport), ("EventBulkCreate", RateLimits.EventBulkCreate), ("ImportJobReads", RateLimits.ImportJobReads),
                     ("ListMembership", RateLimits.ListMembership), ("ProfileReads", RateLimits.ProfileReads), ("Subscriptions", RateLimits.Subscriptions), ("Deletions", RateLimits.Deletions) })
        {
            if (tier is null || tier.PerSecond < 1 || tier.PerMinute < 1)
                problems.Add($"Klaviyo:RateLimits:{name} needs PerSecond ≥ 1 and PerMinute ≥ 1 (Klaviyo's tiers are in the endpoint's x-klaviyo-ratelimit, e.g. 10/s and 150/m for bulk jobs).");
        }
        if (!(RateLimitTimeScale > 0) || double.IsInfinity(RateLimitTimeScale))
            problems.Add("Klaviyo:RateLimitTimeScale must be a positive number (1 for Klaviyo; the emulator's --time-scale for a compressed emulator).");
        if (JobPollInterval <= TimeSpan.Zero || JobFollowTimeout < TimeSpan.Zero)
            problems.Add("Klaviyo:JobPollInterval must be > 0 and Klaviyo:JobFollowTimeout ≥ 0.");
        if (AudienceFlushCount < 1 || AudienceFlushCount > AudienceBatching.MaxListChangesPerCall)
            problems.Add($"Klaviyo:AudienceFlushCount must be between 1 and {AudienceBatching.MaxListChangesPerCall:N0} (Klaviyo takes at most 1,000 profiles per list change; mParticle's default is 100).");
        if (AudienceFlushInterval < TimeSpan.Zero)
            problems.Add("Klaviyo:AudienceFlushInterval must be ≥ 0 (mParticle's default is 16 hours).");
        if (ProfileIdCacheSize < 0 || AudienceMembershipCacheSize < 0)
            problems.Add("Klaviyo:ProfileIdCacheSize and Klaviyo:AudienceMembershipCacheSize must be ≥ 0 (0 turns the cache off).");
        if (!Enum.IsDefined(UnsubscribeOutsideList))
            problems.Add($"Klaviyo:UnsubscribeOutsideList '{UnsubscribeOutsideList}' is not one of Skip, Reject, UnsubscribeGlobally.");
        CheckListId(problems, "DefaultListId", DefaultListId);
        foreach (var (setting, lists) in new[] { ("AudienceLists", AudienceLists), ("ComputedAudienceLists", ComputedAudienceLists) })
        {
            if (lists is null)
            {
                problems.Add($"Klaviyo:{setting} must not be null (leave it empty when you map no audiences).");
                continue;
            }
            foreach (var pair in lists)
            {
                if (string.IsNullOrWhiteSpace(pair.Key))
                    problems.Add($"Klaviyo:{setting} has an entry without an audience name.");
                else CheckListId(problems, $"{setting}:{pair.Key}", pair.Value);
            }
        }
        if (ConsentMapping is null)
            problems.Add("Klaviyo:ConsentMapping must not be null (leave it empty to use only email_marketing, sms_marketing and sms_transactional).");
        else foreach (var pair in ConsentMapping)
            if (!Enum.IsDefined(pair.Value))
                problems.Add($"Klaviyo:ConsentMapping maps '{pair.Key}' to '{pair.Value}'. Use EmailMarketing, SmsMarketing or SmsTransactional.");
        if (PropertyMapping is not null)
            foreach (var pair in PropertyMapping)
                if (pair.Value == ProfileField.None)
                    problems.Add($"Klaviyo:PropertyMapping maps '{pair.Key}' to None. Use a ProfileField name such as FirstName or PhoneNumber, or remove the entry.");
        return problems;
    }

    private static void CheckListId(List<string> problems, string setting, string? listId)
    {
        if (listId is null) return;
        if (string.IsNullOrWhiteSpace(listId) || listId.Length > 64 || !listId.All(char.IsAsciiLetterOrDigit))
            problems.Add($"Klaviyo:{setting} '{listId}' is not a Klaviyo list id (letters and digits such as Y6nRLr; Klaviyo → Lists & segments → the list → Settings → List ID).");
    }

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
