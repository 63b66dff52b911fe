using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Klaviyo.Destinations.Mapping;

namespace Klaviyo.Destinations.Rules;

/// <summary>
/// The audience and consent rules: list membership from audiences (mParticle) and "Audience Entered"/"Audience
/// Exited" events (Segment), list sign-ups on Identify (Segment's <c>listId</c>/<c>confirmOptin</c>), consent mapped to
/// Klaviyo channels (mParticle's consent mapping), computed audiences (Personas) and privacy deletions.
/// </summary>
internal sealed partial class MessageMapper
{
    private void MapAudienceCall(AnalyticsMessage message, MappingResult result)
    {
        var entered = message.Type == MessageType.AudienceEntered;
        if (string.IsNullOrWhiteSpace(message.Name))
        {
            result.Rejections.Add(Outcome(message, entered ? ItemKind.AddToList : ItemKind.RemoveFromList, DeliveryStatus.Rejected,
                "The audience has no name. Pass the audience name as it appears in AudienceLists.", "audience", null, []));
            return;
        }
        AddAudienceChange(message, message.Name, entered, _options.AudienceLists, "AudienceLists", result);
    }

    private void MapAudienceEvent(AnalyticsMessage message, bool entered, MappingResult result)
    {
        string? audience = null;
        if (ScalarValue.TryGetObject(message.Payload.Value, out var properties))
        {
            var entries = properties.ToList();
            foreach (var key in KlaviyoMappingTables.AudienceNameKeys)
                foreach (var pair in entries)
                    if (audience is null && pair.Key == key && ScalarValue.TryGetText(pair.Value, out var text) && !string.IsNullOrWhiteSpace(text))
                        audience = text;
        }
        if (audience is null)
        {
            result.Rejections.Add(Outcome(message, entered ? ItemKind.AddToList : ItemKind.RemoveFromList, DeliveryStatus.Rejected,
                $"The \"{message.Name}\" event has no 'audience' (or 'audience_name') property, so no list was changed; the event itself is sent. Set MapAudienceEvents = false to send such events only as events.", "audience", null, []));
            return;
        }
        AddAudienceChange(message, audience, entered, _options.AudienceLists, "AudienceLists", result);
    }

    private void AddAudienceChange(AnalyticsMessage message, string audience, bool entered, Dictionary<string, string> lists, string setting, MappingResult result)
    {
        var kind = entered ? ItemKind.AddToList : ItemKind.RemoveFromList;
        if (!lists.TryGetValue(audience, out var listId))
        {
            result.Rejections.Add(Outcome(message, kind, DeliveryStatus.Rejected,
                $"Audience '{audience}' has no list in {setting}; add it ({setting}[\"{audience}\"] = \"<Klaviyo list id>\") or stop sending this audience to Klaviyo.", "audience", null, []));
            return;
        }
        if (!TryIdentify(message, out var who, out var reason, out var field, out var warnings))
        {
            result.Rejections.Add(Outcome(message, kind, DeliveryStatus.Rejected, reason, field, null, warnings));
            return;
        }
        AddListChange(message, who, kind, listId, audience, warnings, result);
    }

    private void AddListChange(AnalyticsMessage message, PersonIds who, ItemKind kind, string listId, string? audience, IReadOnlyList<MappingIssue> warnings, MappingResult result, bool requireEmail = true)
    {
        if (who.Email is null && requireEmail)
        {
            result.Rejections.Add(Outcome(message, kind, DeliveryStatus.Rejected,
                $"Changing the membership of list {listId} needs the person's email (mParticle's rule: email identifies audience members; Segment's rule for list sign-ups). Pass {EmailSources}.", "email", null, warnings));
            return;
        }
        result.Items.Add(new QueuedItem
        {
            Kind = kind,
            MessageId = message.MessageId,
            UserId = message.UserId,
            UserKey = who.UserKey,
            Profile = IdentifierJson(who),
            ListId = listId,
            Audience = audience,
            Warnings = warnings,
            AcceptedAt = message.Timestamp,
        });
    }

    private void MapConsentCall(AnalyticsMessage message, MappingResult result)
    {
        if (message.Options.Consent is not { Count: > 0 })
        {
            result.Rejections.Add(Outcome(message, ItemKind.Message, DeliveryStatus.Skipped, "SetConsent was called without consents; nothing to send.", null, null, []));
            return;
        }
        if (!TryIdentify(message, out var who, out var reason, out var field, out var warnings))
        {
            result.Rejections.Add(Outcome(message, ItemKind.Subscribe, DeliveryStatus.Rejected, reason, field, null, warnings));
            return;
        }
        AddConsent(message, who, warnings, result);
    }

    /// <summary>After a mapped Identify: computed audience lists, the list sign-up, consent.</summary>
    private void AfterIdentify(AnalyticsMessage message, ProfileWriter profile, AudienceChanges? audiences, MappingResult result)
    {
        var who = new PersonIds(profile.Get(ProfileField.Email), profile.Get(ProfileField.PhoneNumber), profile.Get(ProfileField.ExternalId), result.Items[^1].UserKey);
        if (audiences is not null)
        {
            foreach (var (name, member) in audiences.Changed)
            {
                if (audiences.Person is { } person) _memberships.Record(person, name, member);
                if (_options.ComputedAudienceLists.TryGetValue(name, out var listId))
                    AddListChange(message, who, member ? ItemKind.AddToList : ItemKind.RemoveFromList, listId, name, [], result, requireEmail: false);
            }
        }
        if (ListFor(message) is { } signUpList)
        {
            var confirm = message.Options.Integrations?.Klaviyo?.ConfirmOptIn ?? _options.ConfirmOptIn;
            if (!confirm)
            {
                AddListChange(message, who, ItemKind.AddToList, signUpList, null, [], result);
            }
            else if (who.Email is null)
            {
                result.Rejections.Add(Outcome(message, ItemKind.Subscribe, DeliveryStatus.Rejected,
                    $"Signing the person up to list {signUpList} needs an email (Segment's rule): pass {EmailSources}. The profile itself was sent.", "email", null, []));
            }
            else
            {
                // The list's opt-in process applies: with double opt-in Klaviyo emails a confirmation first.
                result.Items.Add(ConsentItem(message, who with { PhoneNumber = null }, ItemKind.Subscribe, [KlaviyoConsentChannel.EmailMarketing], signUpList, consentedAt: null, []));
            }
        }
        AddConsent(message, who, [], result);
    }

    private void AddConsent(AnalyticsMessage message, PersonIds who, IReadOnlyList<MappingIssue> warnings, MappingResult result)
    {
        if (message.Options.Consent is not { Count: > 0 } consents) return;
        var grants = new SortedSet<KlaviyoConsentChannel>();
        var revokes = new SortedSet<KlaviyoConsentChannel>();
        foreach (var (name, granted) in consents)
        {
            var kind = granted ? ItemKind.Subscribe : ItemKind.Unsubscribe;
            if (!TryChannel(name, out var channel))
            {
                result.Rejections.Add(Outcome(message, kind, DeliveryStatus.Rejected,
                    $"Consent '{name}' has no Klaviyo channel in ConsentMapping; add it (ConsentMapping[\"{name}\"] = EmailMarketing, SmsMarketing or SmsTransactional) or use the names email_marketing, sms_marketing, sms_transactional.", name, null, warnings));
                continue;
            }
            var needsEmail = channel == KlaviyoConsentChannel.EmailMarketing;
            if ((needsEmail ? who.Email : who.PhoneNumber) is null)
            {
                result.Rejections.Add(Outcome(message, kind, DeliveryStatus.Rejected,
                    needsEmail
                        ? $"Consent '{name}' ({channel}) needs the person's email: pass {EmailSources}."
                        : $"Consent '{name}' ({channel}) needs the person's phone number in E.164 (traits 'phone', or the identity chosen by PhoneIdentifier).",
                    needsEmail ? "email" : "phone_number", null, warnings));
                continue;
            }
            (granted ? grants : revokes).Add(channel);
        }
        grants.ExceptWith(revokes); // the same channel granted and withdrawn in one call: withdrawal wins
        var listId = message.Options.Integrations?.Klaviyo?.ListId;
        if (grants.Count > 0)
            result.Items.Add(ConsentItem(message, who, ItemKind.Subscribe, grants, listId, message.Timestamp, warnings));
        if (revokes.Count > 0)
            result.Items.Add(ConsentItem(message, who, ItemKind.Unsubscribe, revokes, listId, null, warnings));
    }

    private bool TryChannel(string name, out KlaviyoConsentChannel channel)
    {
        if (_options.ConsentMapping.TryGetValue(name, out channel)) return true;
        switch (name.ToUpperInvariant())
        {
            case "EMAIL_MARKETING": channel = KlaviyoConsentChannel.EmailMarketing; return true;
            case "SMS_MARKETING": channel = KlaviyoConsentChannel.SmsMarketing; return true;
            case "SMS_TRANSACTIONAL": channel = KlaviyoConsentChannel.SmsTransactional; return true;
            default: return false;
        }
    }

    /// <summary>
    /// A subscription row: the identifiers its channels need and <c>subscriptions.{email|sms}.{marketing|transactional}</c>.
    /// With <paramref name="consentedAt"/> the job is a historical import (the consent was gathered by your app; no
    /// double opt-in); without it a subscription goes through the list's (or the account's) opt-in process.
    /// </summary>
    private static QueuedItem ConsentItem(AnalyticsMessage message, PersonIds who, ItemKind kind, IReadOnlyCollection<KlaviyoConsentChannel> channels, string? listId, DateTimeOffset? consentedAt, IReadOnlyList<MappingIssue> warnings)
    {
        var consent = kind == ItemKind.Subscribe ? "SUBSCRIBED" : "UNSUBSCRIBED";
        var email = channels.Contains(KlaviyoConsentChannel.EmailMarketing);
        var sms = channels.Contains(KlaviyoConsentChannel.SmsMarketing) || channels.Contains(KlaviyoConsentChannel.SmsTransactional);
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (email) json.WriteString("email"u8, who.Email);
            if (sms) json.WriteString("phone_number"u8, who.PhoneNumber);
            json.WritePropertyName("subscriptions"u8);
            json.WriteStartObject();
            if (email)
            {
                json.WritePropertyName("email"u8);
                json.WriteStartObject();
                WriteConsent(json, "marketing", consent, consentedAt);
                json.WriteEndObject();
            }
            if (sms)
            {
                json.WritePropertyName("sms"u8);
                json.WriteStartObject();
                if (channels.Contains(KlaviyoConsentChannel.SmsMarketing)) WriteConsent(json, "marketing", consent, consentedAt);
                if (channels.Contains(KlaviyoConsentChannel.SmsTransactional)) WriteConsent(json, "transactional", consent, consentedAt);
                json.WriteEndObject();
            }
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return new QueuedItem
        {
            Kind = kind,
            MessageId = message.MessageId,
            UserId = message.UserId,
            UserKey = who.UserKey,
            Profile = buffer.WrittenSpan.ToArray(),
            ListId = listId,
            HistoricalImport = consentedAt is not null,
            Warnings = warnings,
            AcceptedAt = message.Timestamp,
        };
    }

    private static void WriteConsent(Utf8JsonWriter json, string type, string consent, DateTimeOffset? consentedAt)
    {
        json.WritePropertyName(type);
        json.WriteStartObject();
        json.WriteString("consent"u8, consent);
        if (consentedAt is { } at)
        {
            // Whole seconds, rounded down: Klaviyo requires consented_at to be in the past by its own clock.
            var utc = at.UtcDateTime;
            utc = new DateTime(utc.Ticks - utc.Ticks % TimeSpan.TicksPerSecond, DateTimeKind.Utc);
            json.WriteString("consented_at"u8, utc.ToString("yyyy-MM-dd'T'HH:mm:ss'+00:00'", CultureInfo.InvariantCulture));
        }
        json.WriteEndObject();
    }

    private void MapDeletion(AnalyticsMessage message, MappingResult result)
    {
        string? field = null, value = null;
        if (ScalarValue.TryGetObject(message.Payload.Value, out var entries))
            foreach (var pair in entries)
                if (ScalarValue.TryGetText(pair.Value, out var text) && !string.IsNullOrWhiteSpace(text))
                    (field, value) = (pair.Key, text);
        string? reason = null;
        switch (field)
        {
            case "email" when !IsValidEmail(value!):
                reason = $"'{value}' is not a valid email address.";
                break;
            case "phone_number":
                if (_phones.TryNormalize(value!, null, _options.DefaultPhoneRegion, out var e164, out var phoneReason)) value = e164;
                else reason = phoneReason;
                break;
            case "email" or "external_id" or "id":
                break;
            default:
                reason = "DeleteProfile needs one identifier: ProfileKey.Email, PhoneNumber, ExternalId or KlaviyoId.";
                break;
        }
        if (reason is not null)
        {
            result.Rejections.Add(Outcome(message, ItemKind.DeleteProfile, DeliveryStatus.Rejected, reason, field, null, []));
            return;
        }
        var buffer = new ArrayBufferWriter<byte>(64);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString(field!, value);
            json.WriteEndObject();
        }
        if (message.UserId is { } userId) _memberships.Forget(userId);
        _memberships.Forget(value!);
        result.Items.Add(new QueuedItem
        {
            Kind = ItemKind.DeleteProfile,
            MessageId = message.MessageId,
            UserId = message.UserId,
            UserKey = message.UserId ?? value!,
            Profile = buffer.WrittenSpan.ToArray(),
            AcceptedAt = message.Timestamp,
        });
    }

    /// <summary>The person's identifiers from the payload and the identity settings (as for an Identify).</summary>
    private bool TryIdentify(AnalyticsMessage message, out PersonIds who, out string? reason, out string? field, out IReadOnlyList<MappingIssue> warnings)
    {
        var context = MappingContext.Rent();
        var profile = context.Profile;
        profile.Start(context.ProfileJson);
        // A typed event model (an "Audience Entered" event) has no profile mapping: its identity comes from the call.
        message.Payload.WriteProfile(profile, _dictionary, out _);
        var ok = ApplyIdentity(profile, message, isEvent: false, out reason, out field);
        warnings = profile.Issues.ToArray();
        who = ok
            ? new PersonIds(profile.Get(ProfileField.Email), profile.Get(ProfileField.PhoneNumber), profile.Get(ProfileField.ExternalId), UserKey(message, profile))
            : default;
        return ok;
    }

    private static byte[] IdentifierJson(PersonIds who)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (who.Email is { } email) json.WriteString("email"u8, email);
            if (who.PhoneNumber is { } phone) json.WriteString("phone_number"u8, phone);
            if (who.ExternalId is { } externalId) json.WriteString("external_id"u8, externalId);
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private string? ListFor(AnalyticsMessage message) =>
        message.Type == MessageType.Identify ? message.Options.Integrations?.Klaviyo?.ListId ?? _options.DefaultListId : null;

    /// <summary>Computed audiences whose membership changed since the last Identify of the person (all of them when the person has no stable key).</summary>
    private AudienceChanges? ChangedAudiences(AnalyticsMessage message)
    {
        if (message.Options.Audiences is not { Count: > 0 } audiences) return null;
        var person = message.UserId ?? message.AnonymousId ?? EmailIdentityValue(message.Options.Identities);
        var changed = new List<KeyValuePair<string, bool>>(audiences.Count);
        var unchanged = 0;
        foreach (var pair in audiences)
        {
            if (person is not null && _memberships.IsUnchanged(person, pair.Key, pair.Value)) unchanged++;
            else changed.Add(pair);
        }
        return new AudienceChanges(changed, unchanged, person);
    }

    /// <summary>The identity that holds the email per <see cref="KlaviyoDestinationOptions.ExternalEmailIdentityType"/> (the same mapping as the identity rules).</summary>
    private UserIdentity EmailIdentity => IdentitySettings.IdentityOf(_options.ExternalEmailIdentityType);

    /// <summary>The value of the email identity (see <see cref="EmailIdentity"/>), if the message carries it.</summary>
    private string? EmailIdentityValue(IReadOnlyDictionary<UserIdentity, string>? identities) =>
        identities is not null && identities.TryGetValue(EmailIdentity, out var value) && !string.IsNullOrWhiteSpace(value) ? value : null;

    /// <summary>Where the email may come from, as rejection reasons say it: follows <see cref="KlaviyoDestinationOptions.ExternalEmailIdentityType"/>.</summary>
    private string EmailSources => _options.ExternalEmailIdentityType switch
    {
        ExternalEmailIdentityType.Email => "traits 'email', an Email identity or an email userId",
        ExternalEmailIdentityType.CustomerId => "traits 'email', or an email in the Customer Id identity or the userId (ExternalEmailIdentityType is CustomerId)",
        var other => $"traits 'email' or an email in the {other} identity (ExternalEmailIdentityType is {other})",
    };

    private static bool IsEmpty(MessagePayload payload) =>
        ReferenceEquals(payload, MessagePayload.Empty) || payload.Value is System.Collections.ICollection { Count: 0 } ||
        payload.Value is JsonElement { ValueKind: JsonValueKind.Object } element && !element.EnumerateObject().Any();

    private sealed record AudienceChanges(List<KeyValuePair<string, bool>> Changed, int Unchanged, string? Person);

    private readonly record struct PersonIds(string? Email, string? PhoneNumber, string? ExternalId, string UserKey);
}
