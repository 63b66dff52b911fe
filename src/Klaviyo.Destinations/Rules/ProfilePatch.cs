using System.Buffers;
using System.Text.Json;
using Klaviyo.Destinations.Mapping;

namespace Klaviyo.Destinations.Rules;

/// <summary>
/// Validates a <see cref="ProfilePropertyPatch"/> and writes it as the profile resource's <c>meta</c>
/// (<c>{"patch_properties":{"append":{…},"unappend":{…},"unset":[…]}}</c>). Whatever is wrong is a reason, never an
/// exception.
/// </summary>
internal static class ProfilePatch
{
    /// <summary>The operation names, as Klaviyo and the NDJSON option spell them.</summary>
    public const string Append = "append", Unappend = "unappend", Unset = "unset";

    /// <summary>Null meta when the patch is empty; false with a reason and the field concerned when it is invalid.</summary>
    public static bool TryWrite(ProfilePropertyPatch patch, IReadOnlyDictionary<string, ProfileField> propertyMapping, out byte[]? meta, out string? reason, out string? field)
    {
        meta = null;
        reason = null;
        field = null;
        if (patch.IsEmpty) return true;
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!Check(patch.Append, Append, seen, propertyMapping, out reason, out field)
            || !Check(patch.Unappend, Unappend, seen, propertyMapping, out reason, out field))
            return false;
        foreach (var key in patch.Unset ?? [])
            if (!CheckKey(key, Unset, seen, propertyMapping, out reason, out field)) return false;

        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WritePropertyName("patch_properties"u8);
            json.WriteStartObject();
            WriteValues(json, Append, patch.Append);
            WriteValues(json, Unappend, patch.Unappend);
            if (patch.Unset is { Count: > 0 } unset)
            {
                json.WritePropertyName(Unset);
                json.WriteStartArray();
                foreach (var key in unset) json.WriteStringValue(KlaviyoKeys.PropertyName(key));
                json.WriteEndArray();
            }
            json.WriteEndObject();
            json.WriteEndObject();
        }
        meta = buffer.WrittenSpan.ToArray();
        return true;
    }

    private static bool Check(IReadOnlyDictionary<string, object?>? values, string operation, Dictionary<string, string> seen,
        IReadOnlyDictionary<string, ProfileField> propertyMapping, out string? reason, out string? field)
    {
        reason = null;
        field = null;
        if (values is null) return true;
        foreach (var (key, value) in values)
        {
            if (!CheckKey(key, operation, seen, propertyMapping, out reason, out field)) return false;
            if (ScalarValue.IsNull(value))
            {
                (reason, field) = ($"Patch operation {operation} of '{key}' has no value; give the value (or list of values) to {operation}.", Field(operation, key));
                return false;
            }
            if (!JsonValueWriter.CanWrite(value, depth: 1, out var valueReason))
            {
                (reason, field) = ($"The {operation} value of '{key}' {valueReason}.", Field(operation, key));
                return false;
            }
        }
        return true;
    }

    private static bool CheckKey(string? key, string operation, Dictionary<string, string> seen, IReadOnlyDictionary<string, ProfileField> propertyMapping,
        out string? reason, out string? field)
    {
        reason = null;
        field = null;
        if (string.IsNullOrWhiteSpace(key))
        {
            (reason, field) = ($"A patch operation {operation} has an empty property name.", "patch_properties." + operation);
            return false;
        }
        if (!TextRules.IsValid(key, out var keyReason))
        {
            (reason, field) = ($"A property name of patch operation {operation} {keyReason}.", "patch_properties." + operation);
            return false;
        }
        var name = KlaviyoKeys.PropertyName(key);
        if (DictionaryMapper.TryGetProfileField(key, out var profileField) || propertyMapping.TryGetValue(key, out profileField)
            || key is KlaviyoMappingTables.AddressKey or KlaviyoMappingTables.PropertiesKey)
        {
            var target = profileField == ProfileField.None ? key : ProfileFieldInfo.JsonName(profileField);
            (reason, field) = ($"Patch operation {operation} names '{key}', which is the Klaviyo profile field {target}, not a custom property: patch operations change custom properties only. To clear the field, send it as null in the traits.", Field(operation, key));
            return false;
        }
        if (seen.TryGetValue(name, out var earlier))
        {
            (reason, field) = ($"Custom property '{name}' has two patch operations ({earlier} and {operation}); Klaviyo applies one operation per property. Send them in separate calls.", Field(operation, key));
            return false;
        }
        seen[name] = operation;
        return true;
    }

    private static string Field(string operation, string key) => $"patch_properties.{operation}.{key}";

    private static void WriteValues(Utf8JsonWriter json, string operation, IReadOnlyDictionary<string, object?>? values)
    {
        if (values is not { Count: > 0 }) return;
        json.WritePropertyName(operation);
        json.WriteStartObject();
        foreach (var (key, value) in values)
        {
            json.WritePropertyName(KlaviyoKeys.PropertyName(key));
            JsonValueWriter.Write(json, value);
        }
        json.WriteEndObject();
    }
}
