using System;

namespace Klaviyo.Destinations;

/// <summary>
/// How a traits or properties key is read against <see cref="KlaviyoMappingTables"/>, shared by the generator, the
/// analyzers and the runtime. Keys match exactly, except <c>$</c>-prefixed keys (Klaviyo's legacy special properties
/// and mParticle's reserved attributes), which match without regard to case (<c>$FirstName</c> ≙ <c>$firstname</c>);
/// the <c>$</c> rows of the tables are therefore spelled in lower case. A <c>$</c> key that no table knows becomes a
/// custom property without its <c>$</c> (mParticle's rule).
/// </summary>
public static class KlaviyoKeys
{
    /// <summary>True for a key with a leading <c>$</c> and at least one more character.</summary>
    public static bool IsDollarKey(string key) => key is not null && key.Length > 1 && key[0] == '$';

    /// <summary>The spelling a <c>$</c> key has in the tables (lower case); other keys are returned as they are.</summary>
    public static string TableSpelling(string key)
    {
        if (!IsDollarKey(key)) return key;
        foreach (var c in key)
            if (char.IsUpper(c)) return key.ToLowerInvariant();
        return key;
    }

    /// <summary>The custom property name of an unmapped key: a leading <c>$</c> is removed (mParticle's rule).</summary>
    public static string PropertyName(string key) => IsDollarKey(key) ? key.Substring(1) : key;

    /// <summary>True when <paramref name="key"/> is <paramref name="tableKey"/> under the matching rules above.</summary>
    public static bool Matches(string tableKey, string key) =>
        string.Equals(tableKey, key, StringComparison.Ordinal)
        || (IsDollarKey(key) && IsDollarKey(tableKey) && string.Equals(tableKey, key, StringComparison.OrdinalIgnoreCase));
}
