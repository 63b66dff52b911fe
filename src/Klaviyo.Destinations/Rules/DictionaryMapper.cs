using Klaviyo.Destinations.Mapping;

namespace Klaviyo.Destinations.Rules;

/// <summary>
/// Maps dictionary and JSON traits/properties with the table lookups the generator compiled into
/// <see cref="TableLookups"/>: known keys fill Klaviyo fields (<c>$</c> keys without regard to case, see
/// <see cref="KlaviyoKeys"/>), everything else becomes a property (mParticle's rule: a leading <c>$</c> is removed).
/// A present null clears the field or property. Values are read by <see cref="ScalarValue"/>, so a CLR value, a
/// <see cref="System.Text.Json.JsonElement"/> and a <see cref="System.Text.Json.Nodes.JsonNode"/> holding the same
/// data map the same.
/// </summary>
internal sealed class DictionaryMapper(IReadOnlyDictionary<string, ProfileField> propertyMapping)
{
    public void ProfileEntry(ProfileWriter writer, string key, object? value)
    {
        if (!TextRules.IsValid(key, out var keyReason))
        {
            writer.AddIssue("(trait name)", $"A trait name {keyReason}; the trait was left out.");
            return;
        }
        if (TryGetProfileField(key, out var field) || propertyMapping.TryGetValue(key, out field))
        {
            if (key == KlaviyoMappingTables.CompanyKey && ScalarValue.TryGetObject(value, out var company))
            {
                foreach (var pair in company)
                    if (pair.Key == KlaviyoMappingTables.CompanyNameKey) SetField(writer, ProfileField.Organization, key + "." + pair.Key, pair.Value);
                return;
            }
            SetField(writer, field, key, value);
            return;
        }
        if (key == KlaviyoMappingTables.AddressKey && ScalarValue.TryGetObject(value, out var address))
        {
            foreach (var pair in address)
            {
                if (TableLookups.TryGetAddressField(pair.Key, out var addressField)) SetField(writer, addressField, "address." + pair.Key, pair.Value);
                else Property(writer, pair.Key, pair.Value);
            }
            return;
        }
        if (key == KlaviyoMappingTables.PropertiesKey && ScalarValue.TryGetObject(value, out var properties))
        {
            foreach (var pair in properties) Property(writer, pair.Key, pair.Value);
            return;
        }
        Property(writer, KlaviyoKeys.PropertyName(key), value);
    }

    /// <summary>The profile field a traits key fills: exact, or a <c>$</c> key in any case.</summary>
    internal static bool TryGetProfileField(string key, out ProfileField field) =>
        TableLookups.TryGetProfileField(key, out field)
        || (KlaviyoKeys.IsDollarKey(key) && TableLookups.TryGetProfileField(KlaviyoKeys.TableSpelling(key), out field));

    private static bool TryGetEventField(string key, out EventField field, out bool keep) =>
        TableLookups.TryGetEventField(key, out field, out keep)
        || (KlaviyoKeys.IsDollarKey(key) && TableLookups.TryGetEventField(KlaviyoKeys.TableSpelling(key), out field, out keep));

    public void EventEntry(EventWriter writer, string key, object? value)
    {
        if (!TextRules.IsValid(key, out var keyReason))
        {
            writer.AddIssue("(property name)", $"A property name {keyReason}; the property was left out.");
            return;
        }
        if (TryGetEventField(key, out var field, out var keep))
        {
            SetEventField(writer, field, key, value);
            if (keep) Property(writer, key, value);
            return;
        }
        if (key == KlaviyoMappingTables.EventEmailKey && ScalarValue.TryGetString(value, out var email)) writer.SetEmail(email);
        Property(writer, key, value);
    }

    private static void Property(KlaviyoPropertyWriter writer, string key, object? value)
    {
        if (ScalarValue.IsNull(value)) writer.PropertyNull(key);
        else writer.PropertyValue(key, value);
    }

    private static void SetField(ProfileWriter writer, ProfileField field, string key, object? value)
    {
        if (ScalarValue.IsNull(value))
        {
            writer.Set(field, (string?)null, clearWhenNull: true);
            return;
        }
        if (ProfileFieldInfo.IsNumeric(field))
        {
            if (ScalarValue.TryGetDouble(value, out var number)) writer.Set(field, number);
            else writer.AddIssue(key, $"'{key}' must be a number for {ProfileFieldInfo.JsonName(field)}; it was left out.");
            return;
        }
        if (ScalarValue.TryGetText(value, out var text)) writer.Set(field, text);
        else writer.AddIssue(key, $"'{key}' must be text for {ProfileFieldInfo.JsonName(field)}, not {Describe(value)}; it was left out.");
    }

    private static void SetEventField(EventWriter writer, EventField field, string key, object? value)
    {
        if (ScalarValue.IsNull(value)) return;
        switch (field)
        {
            case EventField.Value:
                // Several keys can give the value ($value, revenue): the earlier row of the table wins, whatever the key order.
                var rank = ValueRank(key);
                if (writer.ValueRank <= rank) break;
                if (ScalarValue.TryGetDouble(value, out var number))
                {
                    writer.SetValue(number);
                    writer.ValueRank = rank;
                }
                else writer.AddIssue(key, $"'{key}' must be a number to become the event value; it was left out.");
                break;
            case EventField.ValueCurrency:
                if (ScalarValue.TryGetString(value, out var currency)) writer.SetCurrency(currency);
                else writer.AddIssue(key, $"'{key}' must be text (an ISO-4217 code) to become value_currency, not {Describe(value)}; it was left out of value_currency.");
                break;
            case EventField.UniqueId:
                if (ScalarValue.TryGetText(value, out var id)) writer.SetUniqueId(id);
                else writer.AddIssue(key, $"'{key}' must be text or a number to become unique_id, not {Describe(value)}; it was left out.");
                break;
            case EventField.Time:
                if (ScalarValue.TryGetTime(value, out var time)) writer.SetTime(time);
                else writer.AddIssue(key, $"'{key}' is not {IsoTime.Expected}; it was left out.");
                break;
        }
    }

    private static int ValueRank(string key)
    {
        var rows = KlaviyoMappingTables.EventFields;
        for (var i = 0; i < rows.Count; i++)
            if (KlaviyoKeys.Matches(rows[i].Key, key)) return i;
        return rows.Count;
    }

    /// <summary>What kind of value this is, in words that do not depend on the payload shape.</summary>
    private static string Describe(object? value) => ScalarValue.Unwrap(value) switch
    {
        System.Text.Json.JsonElement e => e.ValueKind switch
        {
            System.Text.Json.JsonValueKind.Object => "an object",
            System.Text.Json.JsonValueKind.Array => "a list",
            System.Text.Json.JsonValueKind.Number => "a number",
            System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False => "true/false",
            System.Text.Json.JsonValueKind.String => "text",
            _ => "null",
        },
        null => "null",
        string => "text",
        bool => "true/false",
        System.Collections.IDictionary or IReadOnlyDictionary<string, object?> or System.Text.Json.Nodes.JsonObject => "an object",
        System.Collections.IEnumerable => "a list",
        var other when ScalarValue.TryGetDouble(other, out _) => "a number",
        var other => other.GetType().Name,
    };
}
