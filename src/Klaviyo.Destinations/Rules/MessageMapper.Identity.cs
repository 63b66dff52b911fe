using Klaviyo.Destinations.Mapping;

namespace Klaviyo.Destinations.Rules;

internal sealed partial class MessageMapper
{
    private bool ApplyIdentity(ProfileWriter profile, AnalyticsMessage message, bool isEvent, out string? reason, out string? field)
    {
        reason = null;
        field = null;
        var identities = message.Options.Identities;
        // Trim what the traits gave first, so a blank identifier gives way to the userId and the identities below.
        TrimIdentifier(profile, ProfileField.Email);
        TrimIdentifier(profile, ProfileField.ExternalId);
        TrimIdentifier(profile, ProfileField.PhoneNumber);

        if (!profile.Has(ProfileField.Email))
        {
            var email = _options.ExternalEmailIdentityType switch
            {
                ExternalEmailIdentityType.Email => Identity(identities, UserIdentity.Email) ?? (LooksLikeEmail(message.UserId) ? message.UserId : null),
                ExternalEmailIdentityType.CustomerId => Identity(identities, UserIdentity.CustomerId) ?? message.UserId,
                var other => Identity(identities, IdentitySettings.IdentityOf(other)),
            };
            if (email is not null) profile.Set(ProfileField.Email, email);
        }
        TrimIdentifier(profile, ProfileField.Email);
        if (profile.Get(ProfileField.Email) is { } candidate && !IsValidEmail(candidate))
        {
            profile.Remove(ProfileField.Email);
            profile.AddIssue("email", $"email '{(candidate.Length > 40 ? candidate[..40] + "…" : candidate)}' is not a valid email address; it was left out.");
        }

        if (_options.EnforceEmailAsPrimaryIdentifier)
        {
            if (message.UserId is { } userId) profile.Property(s_id, userId);
        }
        else
        {
            var externalId = _options.AlternateIdentifier switch
            {
                AlternateIdentifier.None => null,
                AlternateIdentifier.CustomerId => Identity(identities, UserIdentity.CustomerId) ?? message.UserId,
                var other => IdentitySettings.IdentityOf(other) is { } identity ? Identity(identities, identity) : null,
            };
            // The call names the person: its external_id wins over one in the traits (a model's ExternalId, a dictionary's
            // external_id), so a later Track with the same userId reaches the same profile. A differing trait is reported.
            if (externalId is not null)
            {
                if (profile.Get(ProfileField.ExternalId) is { } fromTraits && !string.Equals(fromTraits, externalId, StringComparison.Ordinal))
                    profile.AddIssue("external_id", $"external_id '{Shorten(fromTraits)}' in the traits differs from the call's '{Shorten(externalId)}' (its userId or identity); the call's was sent, so Identify and Track reach one profile. Pass the same value, or leave one of them out.");
                profile.Set(ProfileField.ExternalId, externalId);
            }
        }
        TrimIdentifier(profile, ProfileField.ExternalId);

        if (!profile.Has(ProfileField.PhoneNumber))
        {
            var phoneIdentity = _options.PhoneIdentifier switch
            {
                PhoneIdentifier.PhoneNumber2 => UserIdentity.PhoneNumber2,
                PhoneIdentifier.PhoneNumber3 => UserIdentity.PhoneNumber3,
                _ => UserIdentity.MobileNumber,
            };
            if (Identity(identities, phoneIdentity) is { } phone) profile.Set(ProfileField.PhoneNumber, phone);
        }
        TrimIdentifier(profile, ProfileField.PhoneNumber);
        if (profile.Get(ProfileField.PhoneNumber) is { } rawPhone)
        {
            if (_phones.TryNormalize(rawPhone, profile.Get(ProfileField.Country), _options.DefaultPhoneRegion, out var e164, out var phoneReason))
            {
                profile.Set(ProfileField.PhoneNumber, e164);
            }
            else
            {
                profile.Remove(ProfileField.PhoneNumber);
                profile.AddIssue("phone_number", phoneReason!);
            }
        }

        if (isEvent && _options.FallbackOnAnonymousId && message.UserId is null && message.AnonymousId is { Length: > 0 } anonymousId)
            profile.AnonymousId = anonymousId;

        var hasEmail = profile.Has(ProfileField.Email);
        if (_options.EnforceEmailAsPrimaryIdentifier && !hasEmail)
        {
            reason = "EnforceEmailAsPrimaryIdentifier is on, and the message carries no valid email (pass " + EmailSources + ")." + IssueSuffix(profile);
            field = "email";
            return false;
        }
        if (isEvent && _options.RequireEmailOrPhoneOnEvents && !hasEmail && !profile.Has(ProfileField.PhoneNumber))
        {
            reason = "RequireEmailOrPhoneOnEvents is on, and the event carries neither a valid email nor a valid phone number." + IssueSuffix(profile);
            field = "email";
            return false;
        }
        if (!profile.HasIdentifier && !(isEvent && profile.AnonymousId is not null))
        {
            reason = (isEvent
                ? "The event has no profile identifier: Klaviyo needs an email, phone_number or external_id (a userId, with AlternateIdentifier = CustomerId), or an anonymous id with FallbackOnAnonymousId on."
                : "The profile has no identifier: Klaviyo needs an email, phone_number or external_id (a userId, with AlternateIdentifier = CustomerId). Anonymous ids are not accepted by profile-import.") + IssueSuffix(profile);
            field = "email";
            return false;
        }
        return true;
    }

    /// <summary>Identifiers lose surrounding whitespace (with a warning); a blank one is left out (with a warning).</summary>
    private static void TrimIdentifier(ProfileWriter profile, ProfileField field)
    {
        if (profile.Get(field) is not { } value) return;
        var trimmed = value.Trim();
        if (trimmed.Length == value.Length) return;
        var name = ProfileFieldInfo.JsonName(field);
        if (trimmed.Length == 0)
        {
            profile.Remove(field);
            profile.AddIssue(name, $"{name} is blank; it was left out.");
            return;
        }
        profile.Set(field, trimmed);
        profile.AddIssue(name, $"{name} had surrounding whitespace; it was sent trimmed ('{(trimmed.Length > 40 ? trimmed[..40] + "…" : trimmed)}').");
    }

    private static string? Identity(IReadOnlyDictionary<UserIdentity, string>? identities, UserIdentity identity) =>
        identities is not null && identities.TryGetValue(identity, out var value) && !string.IsNullOrWhiteSpace(value) ? value : null;

    private static bool LooksLikeEmail(string? value) => value is not null && value.Contains('@') && IsValidEmail(value);

    internal static bool IsValidEmail(string value) => EmailCheck.IsValid(value);
}
