using System;
using System.Collections.Generic;
using System.Linq;
using Klaviyo.Destinations.Generators;
using Microsoft.CodeAnalysis;

namespace Klaviyo.Destinations.Analyzers;

/// <summary>Human-readable names of mapping targets for diagnostic messages (e.g. <c>ProfileField.Email ('email')</c>).</summary>
internal static class TargetDescriptions
{
    public static string Of(ProfileField field) =>
        field == ProfileField.None ? "a profile field" : "ProfileField." + field + " ('" + ProfileFieldInfo.JsonName(field) + "')";

    public static string Of(EventField field) =>
        field == EventField.None ? "an event field" : "EventField." + field + " ('" + ProfileFieldInfo.JsonName(field) + "')";

    /// <summary>What a member was going to fill.</summary>
    public static string Of(ClassifiedMember member) => member.Target switch
    {
        MemberTarget.ProfileField or MemberTarget.Company => Of(member.Field),
        MemberTarget.EventField => Of(member.EventField),
        MemberTarget.Address => "the location fields",
        _ => "custom property '" + member.PropertyName + "'",
    };

    /// <summary>A key from <see cref="MemberClassifier.TargetKeys"/>.</summary>
    public static string OfKey(string key)
    {
        var colon = key.IndexOf(':');
        var kind = key.Substring(0, colon);
        var value = key.Substring(colon + 1);
        return kind switch
        {
            "field" when Enum.TryParse<ProfileField>(value, out var field) => Of(field),
            "event" when Enum.TryParse<EventField>(value, out var eventField) => Of(eventField),
            _ => "custom property '" + value + "'",
        };
    }

    /// <summary>
    /// For a <see cref="MemberProblem.DuplicateTarget"/> member: the target it shares, and with whom. An address can
    /// collide with itself (two of its members fill one location field); then the pair is named inside the address.
    /// </summary>
    public static (string Target, string Member, string Other) Duplicate(ClassifiedMember member, IReadOnlyList<ClassifiedMember> all)
    {
        var other = all.FirstOrDefault(m => m.Name == member.ProblemDetail && !ReferenceEquals(m, member));
        if (other is not null)
        {
            var otherKeys = new HashSet<string>(MemberClassifier.TargetKeys(other), StringComparer.Ordinal);
            var shared = MemberClassifier.TargetKeys(member).FirstOrDefault(otherKeys.Contains);
            return (shared is null ? Of(member) : OfKey(shared), member.Name, other.Name);
        }
        if (member.Nested is { } nested)
        {
            var seen = new Dictionary<string, ClassifiedMember>(StringComparer.Ordinal);
            foreach (var inner in nested.Where(n => n.Problem == MemberProblem.None))
            {
                foreach (var key in MemberClassifier.TargetKeys(inner))
                {
                    if (seen.TryGetValue(key, out var first))
                        return (OfKey(key), member.Name + "." + inner.Name, member.Name + "." + first.Name);
                    seen[key] = inner;
                }
            }
        }
        return (Of(member), member.Name, member.ProblemDetail ?? "another member");
    }

    /// <summary>The member's type as the user wrote it.</summary>
    public static string TypeOf(ISymbol symbol) => symbol switch
    {
        IPropertySymbol p => p.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat),
        IFieldSymbol f => f.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat),
        _ => symbol.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat),
    };
}
