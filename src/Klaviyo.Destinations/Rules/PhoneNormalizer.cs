using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Globalization;
using PhoneNumbers;

namespace Klaviyo.Destinations.Rules;

/// <summary>
/// Formats phone numbers as E.164 with libphonenumber (as mParticle does): a number without a country code is read
/// in the region of the profile's country trait, else <see cref="KlaviyoDestinationOptions.DefaultPhoneRegion"/>.
/// Results are cached (bounded), since the same numbers recur; a miss costs no more than the parse itself (the entry
/// count is an interlocked counter: <see cref="ConcurrentDictionary{TKey, TValue}.Count"/> takes every lock).
/// </summary>
internal sealed class PhoneNormalizer
{
    private const int CacheLimit = 10_000;
    private static readonly PhoneNumberUtil s_util = PhoneNumberUtil.GetInstance();
    private static readonly Lazy<Dictionary<string, string>> s_regions = new(BuildRegionNames);

    /// <summary>libphonenumber's regions, by code in any case (its GetSupportedRegions() copies its set on every call).</summary>
    private static readonly FrozenDictionary<string, string> s_codes =
        s_util.GetSupportedRegions().ToFrozenDictionary(code => code, code => code, StringComparer.OrdinalIgnoreCase);

    private readonly ConcurrentDictionary<(string Raw, string Region), (string? E164, string? Reason)> _cache = new();
    private int _cached;

    /// <summary>Normalises <paramref name="raw"/>; false with a reason when it is not a valid number.</summary>
    public bool TryNormalize(string raw, string? country, string? defaultRegion, out string? e164, out string? reason)
    {
        var region = RegionFor(country) ?? defaultRegion ?? "ZZ";
        if (!_cache.TryGetValue((raw, region), out var result))
        {
            result = Normalize(raw, region, country);
            if (_cache.TryAdd((raw, region), result) && Interlocked.Increment(ref _cached) > CacheLimit)
            {
                // Bounded: start over (the counter may run a little ahead of the entries under races; harmless).
                _cache.Clear();
                Volatile.Write(ref _cached, 0);
            }
        }
        e164 = result.E164;
        reason = result.Reason;
        return e164 is not null;
    }

    private static (string?, string?) Normalize(string raw, string region, string? country)
    {
        var shown = raw.Length <= 32 ? raw : raw[..32] + "…";
        try
        {
            var number = s_util.Parse(raw, region);
            if (!s_util.IsValidNumber(number))
                return (null, $"phone number '{shown}' is not a valid number{(region == "ZZ" ? " (no country code, and no country trait or DefaultPhoneRegion to read it in)" : $" for region {region}")}; it was left out.");
            return (s_util.Format(number, PhoneNumberFormat.E164), null);
        }
        catch (NumberParseException ex)
        {
            var why = ex.ErrorType == ErrorType.INVALID_COUNTRY_CODE
                ? country is null ? "has no country code and the profile has no country (set DefaultPhoneRegion or send a country trait)" : $"has no country code and country '{country}' is not recognised"
                : "cannot be read as a phone number";
            return (null, $"phone number '{shown}' {why}; it was left out.");
        }
    }

    /// <summary>ISO-3166 alpha-2 region for a country trait: a code (US, USA) or an English or native name.</summary>
    public static string? RegionFor(string? country)
    {
        if (string.IsNullOrWhiteSpace(country)) return null;
        var trimmed = country.Trim();
        if (trimmed.Length == 2)
            return s_codes.TryGetValue(trimmed, out var code) ? code : null;
        return s_regions.Value.TryGetValue(trimmed, out var region) ? region : null;
    }

    private static Dictionary<string, string> BuildRegionNames()
    {
        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["USA"] = "US", ["United States of America"] = "US", ["America"] = "US", ["UK"] = "GB", ["Great Britain"] = "GB",
            ["England"] = "GB", ["Scotland"] = "GB", ["Wales"] = "GB", ["Northern Ireland"] = "GB", ["Deutschland"] = "DE",
        };
        try
        {
            foreach (var culture in CultureInfo.GetCultures(CultureTypes.SpecificCultures))
            {
                RegionInfo info;
                try { info = new RegionInfo(culture.Name); }
                catch (ArgumentException) { continue; }
                var code = info.TwoLetterISORegionName;
                if (code.Length != 2) continue;
                map.TryAdd(info.EnglishName, code);
                map.TryAdd(info.NativeName, code);
                map.TryAdd(info.ThreeLetterISORegionName, code);
            }
        }
        catch (CultureNotFoundException)
        {
            // Invariant globalization: only the built-in names above and two-letter codes are recognised.
        }
        return map;
    }
}
