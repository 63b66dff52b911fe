using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Klaviyo.Emulator.State;

/// <summary>Semantic checks on a profile resource beyond the schema: an identifier is present, email and phone are well formed.</summary>
internal static partial class ProfileRules
{
    /// <summary>Returns an error when the profile resource at <paramref name="pointer"/> has no usable identifier.</summary>
    public static KlaviyoApiError? CheckIdentifier(JsonObject? data, string pointer, bool allowAnonymousId, bool allowId = true)
    {
        if (allowId && data?["id"] is JsonValue id && id.TryGetValue<string>(out var idText) && idText.Length > 0)
        {
            return null;
        }

        var attributes = data?["attributes"] as JsonObject;
        foreach (var identifier in ProfileFields.Identifiers)
        {
            if (identifier == ProfileFields.AnonymousId && !allowAnonymousId)
            {
                continue;
            }

            if (attributes?[identifier] is JsonValue v && v.TryGetValue<string>(out var text) && text.Length > 0)
            {
                return null;
            }
        }

        var names = allowAnonymousId ? "`email`, `phone_number`, `external_id`, `anonymous_id`, `_kx`" : "`email`, `phone_number`, `external_id`, `_kx`";
        return new KlaviyoApiError(400, "invalid", "Invalid input.",
            $"A profile identifier is required: one of {names}{(allowId ? " or the profile `id`" : string.Empty)}.",
            Pointer: pointer + "/attributes");
    }

    /// <summary>Adds errors for a malformed <c>email</c> or non-E.164 <c>phone_number</c> in <paramref name="attributes"/>.</summary>
    public static void CheckFormats(JsonObject? attributes, string attributesPointer, List<KlaviyoApiError> errors)
    {
        if (attributes?[ProfileFields.Email] is JsonValue email && email.TryGetValue<string>(out var e) && !IsEmail(e))
        {
            errors.Add(new KlaviyoApiError(400, "invalid", "Invalid input.", $"Invalid email address '{e}'.", Pointer: attributesPointer + "/email"));
        }

        if (attributes?[ProfileFields.PhoneNumber] is JsonValue phone && phone.TryGetValue<string>(out var p) && !IsE164(p))
        {
            errors.Add(new KlaviyoApiError(400, "invalid", "Invalid input.",
                $"Invalid phone number '{p}'; it must be in E.164 format, e.g. +15005550006.", Pointer: attributesPointer + "/phone_number"));
        }
    }

    public static bool IsEmail(string text) => EmailPattern().IsMatch(text);

    public static bool IsE164(string text) => E164Pattern().IsMatch(text);

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s.]+$", RegexOptions.CultureInvariant)]
    private static partial Regex EmailPattern();

    [GeneratedRegex(@"^\+[1-9]\d{6,14}$", RegexOptions.CultureInvariant)]
    private static partial Regex E164Pattern();
}
