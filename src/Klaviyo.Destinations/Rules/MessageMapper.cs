using System.Text.Json;
using Klaviyo.Destinations.Mapping;

namespace Klaviyo.Destinations.Rules;

/// <summary>
/// The Klaviyo rules from the seeds, applied to one message: traits → profile, identity settings, E.164 phones,
/// event fields, ecommerce names and the Order Completed expansion. Pure (no I/O): the CLI's dry run and the
/// destination share it. Bad input never throws: it becomes a rejection with a reason.
/// </summary>
internal sealed partial class MessageMapper
{
    private static readonly JsonEncodedText s_id = JsonEncodedText.Encode(KlaviyoMappingTables.UserIdProperty);
    private static readonly JsonEncodedText s_groupId = JsonEncodedText.Encode(KlaviyoMappingTables.GroupIdProperty);
    private static readonly JsonEncodedText s_name = JsonEncodedText.Encode(KlaviyoMappingTables.PageNameProperty);

    /// <summary>Klaviyo's limit on one profile (profile-import payload, bulk row).</summary>
    internal const int MaxProfileBytes = KlaviyoLimits.MaxProfileBytes;

    /// <summary>Klaviyo's 5 MB request limit, less room for the event's envelope and profile.</summary>
    internal const int MaxEventPropertiesBytes = KlaviyoLimits.MaxRequestBytes - 110 * 1024;

    /// <summary>The value keys of each ecommerce event, by Segment spec name and by Klaviyo metric name.</summary>
    private static readonly Dictionary<string, IReadOnlyList<string>> s_valueKeys = BuildValueKeys();

    private readonly KlaviyoDestinationOptions _options;
    private readonly TimeProvider _time;
    private readonly DictionaryMapper _dictionary;
    private readonly PhoneNormalizer _phones = new();
    private readonly AudienceMembershipTracker _memberships;

    /// <summary>Creates a mapper for validated <paramref name="options"/>.</summary>
    public MessageMapper(KlaviyoDestinationOptions options)
        : this(options, null)
    {
    }

    /// <summary>Creates a mapper for validated <paramref name="options"/>.</summary>
    /// <param name="options">The destination settings.</param>
    /// <param name="timeProvider">The clock that event times are checked against (Klaviyo refuses events more than a year ahead); <see cref="TimeProvider.System"/> when null.</param>
    public MessageMapper(KlaviyoDestinationOptions options, TimeProvider? timeProvider)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _time = timeProvider ?? TimeProvider.System;
        _dictionary = new DictionaryMapper(options.PropertyMapping);
        _memberships = new AudienceMembershipTracker(options.AudienceMembershipCacheSize);
    }

    /// <summary>Maps <paramref name="message"/> into queued items and rejections.</summary>
    public MappingResult Map(AnalyticsMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var result = new MappingResult();
        if (message.Options.Integrations?.Klaviyo is { Enabled: false })
        {
            result.Rejections.Add(Outcome(message, ItemKind.Message, DeliveryStatus.Skipped, "Klaviyo is disabled for this call (Integrations.Klaviyo.Enabled = false).", null, null, []));
            return result;
        }
        if (MessageTextRules.Refusal(message) is { } refusal)
        {
            result.Rejections.Add(Outcome(message, ItemKind.Message, DeliveryStatus.Rejected, refusal.Reason, refusal.Field, null, []));
            return result;
        }
        try
        {
            switch (message.Type)
            {
                case MessageType.Identify: MapIdentify(message, result); break;
                case MessageType.Group: MapGroup(message, result); break;
                case MessageType.Track:
                case MessageType.Page:
                case MessageType.Screen: MapTrack(message, result); break;
                case MessageType.AudienceEntered:
                case MessageType.AudienceExited: MapAudienceCall(message, result); break;
                case MessageType.Consent: MapConsentCall(message, result); break;
                case MessageType.DeleteProfile: MapDeletion(message, result); break;
                case MessageType.Alias:
                    result.Rejections.Add(Outcome(message, ItemKind.Message, DeliveryStatus.Skipped,
                        "Klaviyo has no alias API: profiles merge on shared identifiers (email, phone_number, external_id). Send an Identify with both identifiers instead.", null, null, []));
                    break;
            }
        }
        catch (Exception ex)
        {
            // Mapping runs user code (property getters) and writes JSON that may be invalid (e.g. NaN deep in a
            // nested object): whatever fails, this message is rejected with the reason and nothing else is affected.
            result.Items.Clear();
            result.Rejections.Add(Outcome(message, ItemKind.Message, DeliveryStatus.Rejected, $"The message could not be mapped: {ex.GetType().Name}: {ex.Message}", null, null, []));
        }
        return result;
    }

    private void MapIdentify(AnalyticsMessage message, MappingResult result)
    {
        var context = MappingContext.Rent();
        var profile = context.Profile;
        profile.Start(context.ProfileJson);
        if (!message.Payload.WriteProfile(profile, _dictionary, out var error))
        {
            result.Rejections.Add(Outcome(message, ItemKind.Profile, DeliveryStatus.Rejected, error, null, null, profile.Issues.ToArray()));
            return;
        }
        var audiences = ChangedAudiences(message);
        if (audiences is { Unchanged: > 0, Changed.Count: 0 } && IsEmpty(message.Payload) && message.Options.Consent is null && ListFor(message) is null
            && message.Options.PatchProperties is not { IsEmpty: false })
        {
            result.Rejections.Add(Outcome(message, ItemKind.Profile, DeliveryStatus.Skipped,
                "The computed audience memberships of this Identify are unchanged since the last one; nothing was sent.", null, null, []));
            return;
        }
        byte[]? meta = null;
        if (message.Options.PatchProperties is { } patch && !ProfilePatch.TryWrite(patch, _options.PropertyMapping, out meta, out var patchReason, out var patchField))
        {
            result.Rejections.Add(Outcome(message, ItemKind.Profile, DeliveryStatus.Rejected, patchReason, patchField, null, profile.Issues.ToArray()));
            return;
        }
        WriteAudiences(profile, audiences?.Changed);
        var before = result.Items.Count;
        FinishProfile(message, context, isEvent: false, result, meta);
        if (result.Items.Count == before) return;
        AfterIdentify(message, profile, audiences, result);
    }

    private void MapGroup(AnalyticsMessage message, MappingResult result)
    {
        var context = MappingContext.Rent();
        var profile = context.Profile;
        profile.Start(context.ProfileJson);
        string? companyName = null;
        if (ScalarValue.TryGetObject(message.Payload.Value, out var traits))
            foreach (var pair in traits)
                if (pair.Key == KlaviyoMappingTables.CompanyNameKey && ScalarValue.TryGetText(pair.Value, out var text)) companyName = text;
        profile.Set(ProfileField.Organization, companyName ?? message.Name);
        profile.Property(s_groupId, message.Name);
        FinishProfile(message, context, isEvent: false, result);
    }

    private void FinishProfile(AnalyticsMessage message, MappingContext context, bool isEvent, MappingResult result, byte[]? meta = null)
    {
        var profile = context.Profile;
        ApplyContext(profile, message);
        if (!ApplyIdentity(profile, message, isEvent, out var reason, out var field))
        {
            result.Rejections.Add(Outcome(message, ItemKind.Profile, DeliveryStatus.Rejected, reason, field, null, profile.Issues.ToArray()));
            return;
        }
        profile.Finish();
        var profileBytes = context.ProfileBytes();
        if (profileBytes.Length > MaxProfileBytes)
        {
            result.Rejections.Add(Outcome(message, ItemKind.Profile, DeliveryStatus.Rejected,
                $"The profile is {profileBytes.Length:N0} bytes of JSON; Klaviyo accepts at most 100 KB per profile. Send fewer or smaller custom properties.", "properties", null, profile.Issues.ToArray()));
            return;
        }
        result.Items.Add(new QueuedItem
        {
            Kind = ItemKind.Profile,
            MessageId = message.MessageId,
            UserId = message.UserId,
            UserKey = UserKey(message, profile),
            Profile = profileBytes,
            ProfileMeta = meta,
            Warnings = profile.Issues.ToArray(),
            AcceptedAt = message.Timestamp,
        });
    }

    private void MapTrack(AnalyticsMessage message, MappingResult result)
    {
        var name = message.Type switch
        {
            MessageType.Page => _options.PageEventName,
            MessageType.Screen => _options.ScreenEventName,
            _ => message.Name ?? message.Payload.DeclaredEventName,
        };
        if (string.IsNullOrWhiteSpace(name))
        {
            result.Rejections.Add(Outcome(message, ItemKind.Event, DeliveryStatus.Rejected, "The event has no name. Pass an event name or use a [KlaviyoEvent(\"Name\")] model.", "event", null, []));
            return;
        }

        var context = MappingContext.Rent();
        var evt = context.Event;
        evt.Start(context.EventJson);
        if (!message.Payload.WriteEvent(evt, _dictionary, out var error))
        {
            result.Rejections.Add(Outcome(message, ItemKind.Event, DeliveryStatus.Rejected, error, null, null, evt.Issues.ToArray()));
            return;
        }
        if (message.Type is MessageType.Page or MessageType.Screen && message.Name is { } pageName) evt.Property(s_name, pageName);
        if (message.Options.PatchProperties is { IsEmpty: false })
            evt.AddIssue("patch_properties", "PatchProperties apply to Identify calls; they were not sent with this event. Send them with an Identify.");
        if (evt.PropertyCount > KlaviyoLimits.MaxEventProperties)
        {
            result.Rejections.Add(Outcome(message, ItemKind.Event, DeliveryStatus.Rejected, $"The event has {evt.PropertyCount} properties; Klaviyo accepts at most {KlaviyoLimits.MaxEventProperties}.", "properties", null, []));
            return;
        }
        evt.Finish();
        var properties = context.EventBytes();
        if (properties.Length > MaxEventPropertiesBytes)
        {
            result.Rejections.Add(Outcome(message, ItemKind.Event, DeliveryStatus.Rejected,
                $"The event's properties are {properties.Length:N0} bytes of JSON; Klaviyo accepts requests of at most 5 MB. Send smaller properties.", "properties", null, evt.Issues.ToArray()));
            return;
        }

        var profile = context.Profile;
        profile.Start(context.ProfileJson);
        if (evt.Email is { } email) profile.Set(ProfileField.Email, email);
        ApplyContext(profile, message);
        if (!ApplyIdentity(profile, message, isEvent: true, out var reason, out var field))
        {
            result.Rejections.Add(Outcome(message, ItemKind.Event, DeliveryStatus.Rejected, reason, field, null, [.. evt.Issues, .. profile.Issues]));
            return;
        }
        profile.Finish();
        var profileBytes = context.ProfileBytes();
        var warnings = evt.Issues.Count + profile.Issues.Count == 0 ? [] : (IReadOnlyList<MappingIssue>)[.. evt.Issues, .. profile.Issues];

        var isOrder = message.Type == MessageType.Track && name == KlaviyoMappingTables.OrderCompletedEvent;
        var metric = message.Type == MessageType.Track ? MetricFor(name) : name;
        if (metric.Length > KlaviyoLimits.MaxMetricNameLength)
        {
            result.Rejections.Add(Outcome(message, ItemKind.Event, DeliveryStatus.Rejected, $"The event name is {metric.Length} characters; Klaviyo's metric names must be at most {KlaviyoLimits.MaxMetricNameLength}.", "event", null, warnings));
            return;
        }
        var time = evt.Time ?? message.Timestamp;
        if (IsoTime.OutOfRange(time, _time.GetUtcNow()) is { } timeReason)
        {
            result.Rejections.Add(Outcome(message, ItemKind.Event, DeliveryStatus.Rejected, timeReason, "time", null, warnings));
            return;
        }
        var value = evt.Value;
        if (value is null && message.Type == MessageType.Track && (s_valueKeys.TryGetValue(name, out var valueKeys) || s_valueKeys.TryGetValue(metric, out valueKeys)))
            value = MappedProperties.FirstNumber(properties, valueKeys);

        OrderFacts order = default;
        if (isOrder) order = OrderFacts.Read(properties);
        var uniqueId = MessageTextRules.Bound(evt.UniqueId ?? (isOrder ? order.EventId ?? order.OrderId : null) ?? message.MessageId, ref warnings);
        var userKey = UserKey(message, profile);

        result.Items.Add(new QueuedItem
        {
            Kind = ItemKind.Event,
            MessageId = message.MessageId,
            UserId = message.UserId,
            UserKey = userKey,
            Profile = profileBytes,
            Properties = properties,
            Metric = metric,
            UniqueId = uniqueId,
            Time = time,
            Value = value,
            // value_currency qualifies value: without a value it is not sent (the currency stays a property).
            Currency = value is null ? null : evt.Currency,
            Backfill = message.Options.Backfill,
            Warnings = warnings,
            AcceptedAt = message.Timestamp,
        });

        if (isOrder && _options.ExpandOrderedProducts)
            EcommerceExpander.ExpandOrderedProducts(message, properties, order, uniqueId, profileBytes, userKey, time, evt.Currency, result);
        if (message.Type == MessageType.Track && _options.MapAudienceEvents && name is KlaviyoMappingTables.AudienceEnteredEvent or KlaviyoMappingTables.AudienceExitedEvent)
            MapAudienceEvent(message, name == KlaviyoMappingTables.AudienceEnteredEvent, result);
    }

    private string MetricFor(string eventName)
    {
        if (eventName == KlaviyoMappingTables.OrderCompletedEvent && _options.KeepOrderCompletedName) return eventName;
        return TableLookups.GetEcommerceMetric(eventName) ?? eventName;
    }

    /// <summary>
    /// Segment's <c>context.ip</c>/<c>timezone</c>/<c>locale</c> (<see cref="KlaviyoMappingTables.ContextTraits"/>) fill
    /// the profile's fields the traits left empty.
    /// </summary>
    private static void ApplyContext(ProfileWriter profile, AnalyticsMessage message)
    {
        if (message.Options.Context is not { Count: > 0 } context) return;
        foreach (var row in KlaviyoMappingTables.ContextTraits)
        {
            if (profile.Has(row.Field) || !context.TryGetValue(row.Key, out var value) || ScalarValue.IsNull(value)) continue;
            if (ScalarValue.TryGetString(value, out var text) && !string.IsNullOrWhiteSpace(text)) profile.Set(row.Field, text.Trim());
            else profile.AddIssue("context." + row.Key, $"context.{row.Key} must be text for {ProfileFieldInfo.JsonName(row.Field)}; it was left out.");
        }
    }

    private static Dictionary<string, IReadOnlyList<string>> BuildValueKeys()
    {
        var map = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var row in KlaviyoMappingTables.EcommerceEvents)
        {
            map[row.SpecName] = row.ValueKeys;
            map[row.KlaviyoMetric] = row.ValueKeys;
        }
        return map;
    }

    private static string IssueSuffix(ProfileWriter profile) =>
        profile.Issues.Count == 0 ? "" : " Also: " + string.Join(" ", profile.Issues.Select(i => i.Reason));

    private static void WriteAudiences(ProfileWriter profile, IEnumerable<KeyValuePair<string, bool>>? audiences)
    {
        if (audiences is null) return;
        foreach (var pair in audiences)
        {
            var name = Naming.ToSnakeCase(pair.Key);
            if (name.Length == 0)
            {
                profile.AddIssue(pair.Key, $"Audience '{pair.Key}' has no letters or digits to name a property; it was left out.");
                continue;
            }
            profile.BeginProperty(name).WriteBooleanValue(pair.Value);
        }
    }

    private static string UserKey(AnalyticsMessage message, ProfileWriter profile) =>
        message.UserId ?? profile.Get(ProfileField.Email) ?? profile.Get(ProfileField.PhoneNumber) ?? profile.AnonymousId ?? message.MessageId;

    internal static DeliveryOutcome Outcome(AnalyticsMessage message, ItemKind kind, DeliveryStatus status, string? reason, string? field, string? uniqueId, IReadOnlyList<MappingIssue> warnings) =>
        new(message.MessageId, kind, status, reason, field, uniqueId, message.UserId, warnings);

    private static string Shorten(string value) => value.Length <= 40 ? value : value[..40] + "…";
}
