using System.Text.Json;

namespace Klaviyo.Destinations.MParticle;

public static partial class MParticleBatchReader
{
    /// <summary>
    /// <c>user_identities</c>: mParticle's identity names (email, customer_id, other, other_id_2 … other_id_10,
    /// mobile_number, phone_number_2, phone_number_3). Identity kinds Klaviyo has no use for (facebook, google,
    /// microsoft, yahoo, twitter, …) are ignored; a value that is not a string refuses the batch.
    /// </summary>
    private static bool TryIdentities(JsonElement root, out IReadOnlyDictionary<UserIdentity, string>? identities, out string? error)
    {
        identities = null;
        error = null;
        if (!root.TryGetProperty("user_identities", out var given) || given.ValueKind == JsonValueKind.Null) return true;
        if (given.ValueKind != JsonValueKind.Object)
        {
            error = "user_identities must be an object of identity type → value, e.g. {\"email\":\"ada@example.com\",\"customer_id\":\"1234\"}";
            return false;
        }
        var found = new Dictionary<UserIdentity, string>();
        foreach (var property in given.EnumerateObject())
        {
            if (IdentityKind(property.Name) is not { } kind) continue;
            if (property.Value.ValueKind is not (JsonValueKind.String or JsonValueKind.Number or JsonValueKind.Null))
            {
                error = $"user_identities.{property.Name} must be a string";
                return false;
            }
            if (Text(given, property.Name, "user_identities." + property.Name) is { } value) found[kind] = value;
        }
        identities = found.Count == 0 ? null : found;
        return true;
    }

    private static UserIdentity? IdentityKind(string name) => name switch
    {
        "customer_id" or "customerid" => UserIdentity.CustomerId,
        "email" => UserIdentity.Email,
        "mobile_number" => UserIdentity.MobileNumber,
        "phone_number_2" => UserIdentity.PhoneNumber2,
        "phone_number_3" => UserIdentity.PhoneNumber3,
        "other" or "other_id_1" => UserIdentity.Other,
        _ when name.StartsWith("other_id_", StringComparison.Ordinal) && int.TryParse(name.AsSpan(9), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n is >= 2 and <= 10
            => IdentitySettings.Other(n),
        _ when name.StartsWith("other", StringComparison.Ordinal) && int.TryParse(name.AsSpan(5), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var m) && m is >= 2 and <= 10
            => IdentitySettings.Other(m),
        _ => null,
    };
}
