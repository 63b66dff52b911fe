namespace Klaviyo.Destinations;

public sealed partial class KlaviyoDestinationOptions
{
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
}
