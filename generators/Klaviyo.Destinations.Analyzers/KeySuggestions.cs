using System;
using System.Collections.Generic;
using Klaviyo.Destinations.Generators;
using Microsoft.CodeAnalysis.CSharp;

namespace Klaviyo.Destinations.Analyzers;

/// <summary>A key to suggest and what it fills in Klaviyo (for the message: <c>'firstName' (first_name)</c>).</summary>
internal readonly struct KeySuggestion
{
    public KeySuggestion(string key, string target)
    {
        Key = key;
        Target = target;
    }

    public string Key { get; }
    public string Target { get; }
}

/// <summary>
/// The keys a dictionary of traits or properties is matched against, built from <see cref="KlaviyoMappingTables"/>,
/// and the KLV2006 notion of a key that is close to one of them. Exact keys (ordinal) never get a suggestion; a key is
/// close when it equals a table key after <see cref="MappingLookups.Normalize"/> (case, <c>_</c>, <c>-</c>, <c>$</c>,
/// spaces), when it is a <see cref="KlaviyoMappingTables.ProfileSynonyms"/> entry (profile and address keys), or when
/// the normalised forms, both at least <see cref="MinimumTypoLength"/> long, are at most
/// <see cref="MaximumTypoDistance"/> edits apart. Everything else is a legitimate custom property.
/// </summary>
internal sealed class KeySuggestions
{
    public const int MinimumTypoLength = 5;
    public const int MaximumTypoDistance = 2;

    private readonly HashSet<string> _exact = new(StringComparer.Ordinal);
    private readonly List<Candidate> _candidates = new();
    private readonly Dictionary<string, KeySuggestion> _synonyms = new(StringComparer.Ordinal);

    private KeySuggestions()
    {
    }

    /// <summary>Identify traits: the profile trait table plus <c>address</c> (nested location) and <c>properties</c> (Amperity).</summary>
    public static KeySuggestions Profile { get; } = BuildProfile(group: false);

    /// <summary>Group traits: the profile keys plus the group's <c>name</c>, which fills organization.</summary>
    public static KeySuggestions Group { get; } = BuildProfile(group: true);

    /// <summary>The members of a nested <c>address</c> trait.</summary>
    public static KeySuggestions Address { get; } = BuildAddress();

    /// <summary>Track properties (and the products of an order): event reserved fields and Segment ecommerce properties.</summary>
    public static KeySuggestions Event { get; } = BuildEvent();

    /// <summary>True for a table key (a <c>$</c> key in any case: <see cref="KlaviyoKeys"/>).</summary>
    public bool IsExact(string key) => _exact.Contains(key) || (KlaviyoKeys.IsDollarKey(key) && _exact.Contains(KlaviyoKeys.TableSpelling(key)));

    /// <summary>
    /// The table key <paramref name="key"/> was probably meant to be, or null when it is exact or far from every key.
    /// <paramref name="identifiersOnly"/> keeps to keys that can name a member of an anonymous object.
    /// </summary>
    public KeySuggestion? Suggest(string key, bool identifiersOnly)
    {
        if (IsExact(key)) return null;
        var normalized = MappingLookups.Normalize(key);
        if (normalized.Length == 0) return null;

        // 1. The same key spelt differently: pick the spelling closest to what was written (first in table order on a tie).
        Candidate? best = null;
        var bestSpelling = long.MaxValue;
        foreach (var candidate in _candidates)
        {
            if (candidate.Normalized != normalized || !Usable(candidate.Key, identifiersOnly)) continue;
            var spelling = Spelling(key, candidate.Key);
            if (spelling < bestSpelling)
            {
                best = candidate;
                bestSpelling = spelling;
            }
        }
        if (best is not null) return best.Suggestion;

        // 2. A synonym of a field this table fills.
        if (_synonyms.TryGetValue(normalized, out var synonym) && Usable(synonym.Key, identifiersOnly)) return synonym;

        // 3. A typo: few edits between the normalised forms, for keys long enough that a few edits still mean something.
        if (normalized.Length < MinimumTypoLength) return null;
        var bestDistance = MaximumTypoDistance + 1;
        foreach (var candidate in _candidates)
        {
            if (candidate.Normalized.Length < MinimumTypoLength || !Usable(candidate.Key, identifiersOnly)) continue;
            // More than MaximumTypoDistance characters longer or shorter is more edits away than that.
            if (System.Math.Abs(candidate.Normalized.Length - normalized.Length) > MaximumTypoDistance) continue;
            var distance = NameDistance.Between(normalized, candidate.Normalized);
            if (distance > MaximumTypoDistance) continue;
            var spelling = Spelling(key, candidate.Key);
            if (distance < bestDistance || (distance == bestDistance && spelling < bestSpelling))
            {
                best = candidate;
                bestDistance = distance;
                bestSpelling = spelling;
            }
        }
        return best?.Suggestion;
    }

    /// <summary>
    /// How far apart two spellings of a key are: first ignoring case, then exactly. <c>orderid</c> is nearer
    /// <c>orderId</c> than <c>order_id</c>; <c>order-id</c> is nearer <c>order_id</c>.
    /// </summary>
    private static long Spelling(string written, string candidate) =>
        (long)NameDistance.Between(written.ToLowerInvariant(), candidate.ToLowerInvariant()) * 1000 + NameDistance.Between(written, candidate);

    /// <summary>True when <paramref name="key"/> can be written as a C# identifier (a member of an anonymous object).</summary>
    public static bool IsIdentifier(string key) =>
        SyntaxFacts.IsValidIdentifier(key) && SyntaxFacts.GetKeywordKind(key) == SyntaxKind.None;

    private static bool Usable(string key, bool identifiersOnly) => !identifiersOnly || IsIdentifier(key);

    private void Add(string key, string target)
    {
        if (!_exact.Add(key)) return;
        _candidates.Add(new Candidate(key, MappingLookups.Normalize(key), new KeySuggestion(key, target)));
    }

    /// <summary>Each synonym suggests the first key of this table that fills the same field (<c>mobile</c> → <c>phone</c>).</summary>
    private void AddSynonyms(IReadOnlyList<TraitMapping> table)
    {
        foreach (var synonym in KlaviyoMappingTables.ProfileSynonyms)
        {
            var normalized = MappingLookups.Normalize(synonym.Key);
            if (_synonyms.ContainsKey(normalized)) continue;
            foreach (var row in table)
            {
                if (row.Field != synonym.Field || KlaviyoKeys.IsDollarKey(row.Key)) continue;
                _synonyms.Add(normalized, new KeySuggestion(row.Key, ProfileFieldInfo.JsonName(row.Field)));
                break;
            }
        }
    }

    private static KeySuggestions BuildProfile(bool group)
    {
        var result = new KeySuggestions();
        foreach (var row in KlaviyoMappingTables.ProfileTraits) result.Add(row.Key, ProfileFieldInfo.JsonName(row.Field));
        result.Add(KlaviyoMappingTables.AddressKey, "location");
        result.Add(KlaviyoMappingTables.PropertiesKey, "custom properties");
        if (group) result.Add(KlaviyoMappingTables.CompanyNameKey, "the group's name, which fills " + ProfileFieldInfo.JsonName(ProfileField.Organization));
        result.AddSynonyms(KlaviyoMappingTables.ProfileTraits);
        return result;
    }

    private static KeySuggestions BuildAddress()
    {
        var result = new KeySuggestions();
        foreach (var row in KlaviyoMappingTables.AddressTraits) result.Add(row.Key, ProfileFieldInfo.JsonName(row.Field));
        result.AddSynonyms(KlaviyoMappingTables.AddressTraits);
        return result;
    }

    private static KeySuggestions BuildEvent()
    {
        var result = new KeySuggestions();
        foreach (var row in KlaviyoMappingTables.EventFields) result.Add(row.Key, ProfileFieldInfo.JsonName(row.Field));
        foreach (var key in KlaviyoMappingTables.EcommerceProperties) result.Add(key, "Segment ecommerce property");
        return result;
    }

    private sealed class Candidate
    {
        public Candidate(string key, string normalized, KeySuggestion suggestion)
        {
            Key = key;
            Normalized = normalized;
            Suggestion = suggestion;
        }

        public string Key { get; }
        public string Normalized { get; }
        public KeySuggestion Suggestion { get; }
    }
}
