namespace Klaviyo.Emulator;

/// <summary>Settings for <see cref="KlaviyoEmulator.StartAsync(KlaviyoEmulatorOptions?, CancellationToken)"/>.</summary>
public sealed class KlaviyoEmulatorOptions
{
    /// <summary>The revision the embedded OpenAPI document describes and the emulator validates against.</summary>
    public const string SpecRevision = "2026-07-15";

    /// <summary>TCP port on 127.0.0.1; 0 (the default) picks a free port.</summary>
    public int Port { get; set; }

    /// <summary>Clock for rate-limit windows, job completion, downtime and timestamps. Defaults to <see cref="TimeProvider.System"/>; tests pass a <c>FakeTimeProvider</c>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Whether the per-operation rate tiers of the spec are enforced (default true). Can be changed at run time.</summary>
    public bool RateLimitsEnabled { get; set; } = true;

    /// <summary>
    /// How many emulated seconds pass per real second (default 1). At 60, the per-minute window lasts one real second
    /// and the per-second window 1/60 s; <c>Retry-After</c>, <c>RateLimit-Reset</c> and bulk-job delays shrink with it.
    /// </summary>
    public double TimeScale { get; set; } = 1;

    /// <summary>How long bulk jobs stay <c>queued</c> before they are applied, in emulated time (divided by <see cref="TimeScale"/>). Default zero: applied right after the request.</summary>
    public TimeSpan JobDelay { get; set; } = TimeSpan.Zero;

    /// <summary>API keys that are accepted. Null or empty (the default) accepts any non-empty key; otherwise other keys get 401.</summary>
    public ISet<string>? ValidApiKeys { get; set; }

    /// <summary>API keys answered with 403 <c>permission_denied</c>, as a key without the needed scopes would be.</summary>
    public ISet<string> ForbiddenApiKeys { get; set; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>
    /// Accepted values of the <c>revision</c> header. Defaults to the published GA revisions still supported in
    /// 2026 (2024-07-15 onwards). Bodies are always validated against the 2026-07-15 schemas.
    /// </summary>
    public ISet<string> KnownRevisions { get; set; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "2024-07-15", "2024-10-15", "2025-01-15", "2025-04-15", "2025-07-15", "2025-10-15", "2026-01-15",
        "2026-04-15", SpecRevision,
    };

    /// <summary>Lists that exist at start, by id → name (the ids are kept, so tests and samples can hard-code them).</summary>
    public IDictionary<string, string> Lists { get; set; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>
    /// Whether an email subscription to a double opt-in list takes effect at once, as if the person confirmed straight
    /// away. Default false, like live Klaviyo: the person stays pending — not subscribed, not a member — until
    /// <see cref="KlaviyoEmulator.ConfirmDoubleOptIn(string?, string?)"/> or <c>POST /_emulator/confirm</c>.
    /// </summary>
    public bool AutoConfirmDoubleOptIn { get; set; }

    /// <summary>How import-error rows point at the failed profile (default: a pointer into the whole request plus the row).</summary>
    public ImportErrorShape ImportErrorShape { get; set; } = ImportErrorShape.RequestPointer;

    /// <summary>Faults active from the start.</summary>
    public EmulatorFaults Faults { get; set; } = EmulatorFaults.None;

    /// <summary>Seed for ids and fault dice, for reproducible runs. Null (default) uses a random seed.</summary>
    public int? RandomSeed { get; set; }

    /// <summary>How many rejected requests <c>/_emulator/state</c> keeps (oldest dropped first). Default 500.</summary>
    public int MaxRejectedRequests { get; set; } = 500;
}
