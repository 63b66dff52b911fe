using System;
using System.Collections.Generic;

namespace Klaviyo.Destinations.Generators;

/// <summary>
/// Normalised views of <see cref="KlaviyoMappingTables"/> for matching C# member names by convention:
/// a member matches a key when they are equal ignoring case and underscores; <c>$</c> keys are for dictionaries only.
/// </summary>
internal static class MappingLookups
{
    public static readonly Dictionary<string, ProfileField> ProfileByConvention = Build(KlaviyoMappingTables.ProfileTraits, skipDollar: true);
    public static readonly Dictionary<string, ProfileField> AddressByConvention = Build(KlaviyoMappingTables.AddressTraits, skipDollar: true);
    public static readonly Dictionary<string, ProfileField> Synonyms = Build(KlaviyoMappingTables.ProfileSynonyms, skipDollar: true);
    public static readonly Dictionary<string, EventFieldMapping> EventFieldsByConvention = BuildEvents();
    public static readonly Dictionary<string, string> EcommerceByConvention = BuildEcommerce();

    public static string Normalize(string name)
    {
        var chars = new char[name.Length];
        var n = 0;
        foreach (var c in name)
            if (c != '_' && c != '-' && c != '$' && c != ' ') chars[n++] = char.ToLowerInvariant(c);
        return new string(chars, 0, n);
    }

    /// <summary>Lookup of a dictionary key in the profile trait table (exact; <c>$</c> keys in any case, see <see cref="KlaviyoKeys"/>).</summary>
    public static bool TryGetProfileTrait(string key, out ProfileField field)
    {
        foreach (var row in KlaviyoMappingTables.ProfileTraits)
        {
            if (KlaviyoKeys.Matches(row.Key, key))
            {
                field = row.Field;
                return true;
            }
        }
        field = ProfileField.None;
        return false;
    }

    /// <summary>Lookup of a property key in the event field table (exact; <c>$</c> keys in any case).</summary>
    public static EventFieldMapping? TryGetEventField(string key)
    {
        foreach (var row in KlaviyoMappingTables.EventFields)
            if (KlaviyoKeys.Matches(row.Key, key)) return row;
        return null;
    }

    private static Dictionary<string, ProfileField> Build(IReadOnlyList<TraitMapping> rows, bool skipDollar)
    {
        var map = new Dictionary<string, ProfileField>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            if (skipDollar && KlaviyoKeys.IsDollarKey(row.Key)) continue;
            var key = Normalize(row.Key);
            if (!map.ContainsKey(key)) map.Add(key, row.Field);
        }
        return map;
    }

    private static Dictionary<string, EventFieldMapping> BuildEvents()
    {
        var map = new Dictionary<string, EventFieldMapping>(StringComparer.Ordinal);
        foreach (var row in KlaviyoMappingTables.EventFields)
            if (!KlaviyoKeys.IsDollarKey(row.Key)) map[Normalize(row.Key)] = row;
        return map;
    }

    private static Dictionary<string, string> BuildEcommerce()
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in KlaviyoMappingTables.EcommerceProperties)
        {
            var normalized = Normalize(key);
            // Prefer the camelCase spelling (orderId over order_id) as the property name.
            if (!map.TryGetValue(normalized, out var existing) || (existing.IndexOf('_') >= 0 && key.IndexOf('_') < 0))
                map[normalized] = key;
        }
        return map;
    }
}
