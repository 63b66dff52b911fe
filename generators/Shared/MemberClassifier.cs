using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Klaviyo.Destinations.Generators;

/// <summary>Whether a type's members are identify traits or track properties.</summary>
internal enum MapperKind
{
    Profile,
    Event,
}

/// <summary>The result of classifying a mapped type. Holds symbols: analyzers use it directly, the generator converts it.</summary>
internal sealed class ClassificationResult
{
    public ClassificationResult(INamedTypeSymbol type, MapperKind kind, List<ClassifiedMember> members, string? eventName)
    {
        Type = type;
        Kind = kind;
        Members = members;
        EventName = eventName;
    }

    public INamedTypeSymbol Type { get; }
    public MapperKind Kind { get; }
    public List<ClassifiedMember> Members { get; }
    public string? EventName { get; }

    /// <summary>True when a generated member fills email, phone_number or external_id.</summary>
    public bool HasIdentifier => Members.Any(m => m.IsGenerated && m.Target == MemberTarget.ProfileField
        && m.Field is ProfileField.Email or ProfileField.PhoneNumber or ProfileField.ExternalId);
}

/// <summary>
/// The one place that decides what a member of a <c>[KlaviyoProfile]</c>/<c>[KlaviyoEvent]</c> type maps to.
/// Shared by the source generator (what to emit) and the analyzers (what to report), so both always agree.
/// </summary>
internal static class MemberClassifier
{
    public static ClassificationResult Classify(INamedTypeSymbol type, MapperKind kind, string? eventName)
    {
        var members = new List<ClassifiedMember>();
        foreach (var (symbol, memberType) in ReadableMembers(type))
        {
            var member = new ClassifiedMember(symbol, memberType);
            var attributes = AttributesOf(symbol);
            if (kind == MapperKind.Profile) ClassifyProfileMember(member, attributes);
            else ClassifyEventMember(member, attributes);
            members.Add(member);
        }
        MarkDuplicates(members);
        return new ClassificationResult(type, kind, members, eventName);
    }

    /// <summary>Public instance properties with a public getter and public fields, base type members first.</summary>
    public static IEnumerable<(ISymbol Symbol, ITypeSymbol Type)> ReadableMembers(INamedTypeSymbol type)
    {
        var chain = new List<INamedTypeSymbol>();
        for (var t = type; t is not null && t.SpecialType != SpecialType.System_Object && t.SpecialType != SpecialType.System_ValueType; t = t.BaseType)
            chain.Insert(0, t);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<(ISymbol, ITypeSymbol)>();
        // Most-derived declarations win; keep base-first order for the rest.
        for (var i = chain.Count - 1; i >= 0; i--)
        {
            var level = new List<(ISymbol, ITypeSymbol)>();
            foreach (var m in chain[i].GetMembers())
            {
                if (m.IsStatic || m.DeclaredAccessibility != Accessibility.Public || m.IsImplicitlyDeclared) continue;
                switch (m)
                {
                    case IPropertySymbol { IsIndexer: false, GetMethod.DeclaredAccessibility: Accessibility.Public } p when seen.Add(p.Name):
                        level.Add((p, p.Type));
                        break;
                    case IFieldSymbol { IsConst: false } f when seen.Add(f.Name):
                        level.Add((f, f.Type));
                        break;
                }
            }
            result.InsertRange(0, level);
        }
        return result;
    }

    /// <summary>The Klaviyo.Destinations attributes written on a member (or on the positional record parameter behind it).</summary>
    internal sealed class MemberAttributes
    {
        public bool NotMapped;
        public bool HasCustomProperty;
        public string? CustomPropertyName;
        public ProfileField? Field;
        public EventField? EventField;
        public bool KeepAsProperty;
        public string? Trait;
        public bool ClearWhenNull;

        /// <summary>System.Text.Json's <c>[JsonIgnore]</c> (condition <c>Always</c>, its default).</summary>
        public bool JsonIgnore;

        /// <summary>System.Text.Json's <c>[JsonPropertyName]</c>.</summary>
        public string? JsonName;
    }

    /// <summary>
    /// Reads the mapping attributes of <paramref name="symbol"/>, including those written on a record's positional
    /// parameter. The one reader for top-level members, address members and the members of nested objects.
    /// </summary>
    public static MemberAttributes AttributesOf(ISymbol symbol)
    {
        var result = new MemberAttributes();
        foreach (var attribute in symbol.GetAttributes().Concat(PrimaryConstructorParameterAttributes(symbol)))
        {
            // Compared by name and namespace: no display string per attribute (this runs for every member on every build).
            if (attribute.AttributeClass is not { ContainingType: null } attributeClass) continue;
            var name = SymbolNames.IsInNamespace(attributeClass, SymbolNames.KlaviyoNamespace) ? attributeClass.Name
                : SymbolNames.IsInNamespace(attributeClass, SymbolNames.JsonSerializationNamespace) ? "Json:" + attributeClass.Name
                : null;
            switch (name)
            {
                case KnownNames.NotMappedAttributeName:
                    result.NotMapped = true;
                    break;
                case KnownNames.CustomPropertyAttributeName:
                    result.HasCustomProperty = true;
                    if (attribute.ConstructorArguments.Length == 1) result.CustomPropertyName = attribute.ConstructorArguments[0].Value as string;
                    break;
                case KnownNames.KlaviyoFieldAttributeName when attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is int f:
                    result.Field = (ProfileField)f;
                    break;
                case KnownNames.KlaviyoEventFieldAttributeName when attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is int e:
                    result.EventField = (EventField)e;
                    foreach (var named in attribute.NamedArguments)
                        if (named.Key == "KeepAsProperty" && named.Value.Value is bool keep) result.KeepAsProperty = keep;
                    break;
                case KnownNames.TraitAttributeName when attribute.ConstructorArguments.Length == 1:
                    result.Trait = attribute.ConstructorArguments[0].Value as string;
                    break;
                case KnownNames.ClearWhenNullAttributeName:
                    result.ClearWhenNull = true;
                    break;
                case "Json:" + KnownNames.JsonIgnoreAttributeName:
                    // JsonIgnoreCondition: Never = 0, Always = 1 (the default), WhenWritingDefault = 2, WhenWritingNull = 3.
                    // Only Always hides the member from JSON; the others still send a value (nulls are never sent anyway).
                    var condition = 1;
                    foreach (var named in attribute.NamedArguments)
                        if (named.Key == "Condition" && named.Value.Value is int c) condition = c;
                    if (condition == 1) result.JsonIgnore = true;
                    break;
                case "Json:" + KnownNames.JsonPropertyNameAttributeName when attribute.ConstructorArguments.Length == 1:
                    result.JsonName = attribute.ConstructorArguments[0].Value as string;
                    break;
            }
        }
        // System.Text.Json's attributes speak only where no Klaviyo attribute does: [JsonIgnore] means [NotMapped],
        // [JsonPropertyName("x")] means [Trait("x")] (a table key or Klaviyo field maps to it, anything else is the
        // property's name). [NotMapped], [CustomProperty], [KlaviyoField], [KlaviyoEventField] and [Trait] win.
        var declared = result.HasCustomProperty || result.Field is not null || result.EventField is not null || result.Trait is not null;
        if (result.JsonIgnore && !declared) result.NotMapped = true;
        if (result.JsonName is { Length: > 0 } && !declared) result.Trait = result.JsonName;
        return result;
    }

    /// <summary>Attributes written on a record's positional parameter apply to its property too.</summary>
    private static IEnumerable<AttributeData> PrimaryConstructorParameterAttributes(ISymbol symbol)
    {
        if (symbol is not IPropertySymbol property || property.DeclaringSyntaxReferences.Length == 0) yield break;
        var reference = property.DeclaringSyntaxReferences[0];
        foreach (var constructor in property.ContainingType.InstanceConstructors)
        {
            foreach (var parameter in constructor.Parameters)
            {
                if (parameter.Name != property.Name) continue;
                foreach (var p in parameter.DeclaringSyntaxReferences)
                {
                    if (p.SyntaxTree == reference.SyntaxTree && p.Span == reference.Span)
                    {
                        foreach (var a in parameter.GetAttributes()) yield return a;
                        yield break;
                    }
                }
            }
        }
    }

    /// <summary>The rules every member shares ([ClearWhenNull], [NotMapped], [CustomProperty]); true when one decided.</summary>
    private static bool ClassifyDeclared(ClassifiedMember member, MemberAttributes a)
    {
        member.ClearWhenNull = a.ClearWhenNull;
        if (a.NotMapped)
        {
            member.Target = MemberTarget.NotMapped;
            return true;
        }
        if (a.HasCustomProperty)
        {
            SetProperty(member, a.CustomPropertyName ?? member.Name, fromMember: a.CustomPropertyName is null);
            return true;
        }
        return false;
    }

    private static void ClassifyProfileMember(ClassifiedMember member, MemberAttributes a)
    {
        if (ClassifyDeclared(member, a)) return;
        if (a.EventField is not null)
        {
            Mismatch(member, "[KlaviyoEventField] applies to members of [KlaviyoEvent] types; use [KlaviyoField] on a [KlaviyoProfile] type");
            member.Target = MemberTarget.EventField;
            return;
        }
        if (a.Field is { } field)
        {
            if (field == ProfileField.None)
            {
                SetProperty(member, member.Name, fromMember: true);
                return;
            }
            SetProfileField(member, field);
            return;
        }
        if (a.Trait is { } trait)
        {
            if (trait == KlaviyoMappingTables.AddressKey && member.Shape.Kind == ValueShape.Complex) SetAddress(member);
            else if (trait == KlaviyoMappingTables.CompanyKey && member.Shape.Kind == ValueShape.Complex) SetCompany(member);
            else if (MappingLookups.TryGetProfileTrait(trait, out var traitField)) SetProfileField(member, traitField);
            else SetProperty(member, KlaviyoKeys.PropertyName(trait));
            return;
        }

        var normalized = MappingLookups.Normalize(member.Name);
        if (normalized == KlaviyoMappingTables.AddressKey && member.Shape.Kind == ValueShape.Complex)
        {
            SetAddress(member);
            return;
        }
        if (normalized == KlaviyoMappingTables.CompanyKey && member.Shape.Kind == ValueShape.Complex)
        {
            SetCompany(member);
            return;
        }
        if (MappingLookups.ProfileByConvention.TryGetValue(normalized, out var conventional))
        {
            SetProfileField(member, conventional);
            return;
        }
        SetUnmapped(member, normalized);
    }

    private static void ClassifyEventMember(ClassifiedMember member, MemberAttributes a)
    {
        if (ClassifyDeclared(member, a)) return;
        if (a.Field is not null)
        {
            Mismatch(member, "[KlaviyoField] applies to members of [KlaviyoProfile] types; use [KlaviyoEventField] on a [KlaviyoEvent] type");
            member.Target = MemberTarget.ProfileField;
            return;
        }
        if (a.EventField is { } eventField)
        {
            if (eventField == EventField.None) SetProperty(member, member.Name, fromMember: true);
            else
            {
                SetEventField(member, eventField, a.KeepAsProperty, member.Name);
                member.PropertyNameFromMember = true;
            }
            return;
        }
        if (a.Trait is { } trait)
        {
            var row = MappingLookups.TryGetEventField(trait);
            if (row is not null) SetEventField(member, row.Field, row.KeepAsProperty, KlaviyoKeys.PropertyName(trait));
            else SetEventProperty(member, KlaviyoKeys.PropertyName(trait));
            return;
        }

        var normalized = MappingLookups.Normalize(member.Name);
        // A name that matches an event field row fills that field; a type that cannot (a string Value) is KLV2003.
        if (MappingLookups.EventFieldsByConvention.TryGetValue(normalized, out var conventional))
        {
            SetEventField(member, conventional.Field, conventional.KeepAsProperty, conventional.Key);
            return;
        }
        if (MappingLookups.EcommerceByConvention.TryGetValue(normalized, out var key))
        {
            SetEventProperty(member, key);
            return;
        }
        // Every other member of an event model is an event property: that is what an event's members are, so there is
        // no decision to make and no KLV2001. Trait-like names (FirstName, City) are properties of the event too; a
        // person's traits belong on a [KlaviyoProfile] model sent with Identify.
        SetEventProperty(member, member.Name);
        member.PropertyNameFromMember = true;
    }

    private static void SetEventProperty(ClassifiedMember member, string name)
    {
        SetProperty(member, name);
        if (name == KlaviyoMappingTables.EventEmailKey && member.Shape.Kind == ValueShape.String) member.IsEventEmail = true;
    }

    private static void SetUnmapped(ClassifiedMember member, string normalized)
    {
        member.Target = MemberTarget.Unmapped;
        member.PropertyName = member.Name;
        member.PropertyNameFromMember = true;
        if (MappingLookups.Synonyms.TryGetValue(normalized, out var suggestion)) member.Suggestion = suggestion;
        else if (normalized == KlaviyoMappingTables.AddressKey) member.Suggestion = ProfileField.Address1;
        if (member.Shape.Kind == ValueShape.Unsupported) Unsupported(member);
    }

    private static void SetProperty(ClassifiedMember member, string name, bool fromMember = false)
    {
        member.Target = MemberTarget.Property;
        member.PropertyName = name;
        member.PropertyNameFromMember = fromMember;
        if (member.Shape.Kind == ValueShape.Unsupported) Unsupported(member);
    }

    private static void SetProfileField(ClassifiedMember member, ProfileField field)
    {
        member.Target = MemberTarget.ProfileField;
        member.Field = field;
        var kind = member.Shape.Kind;
        var ok = field switch
        {
            ProfileField.ExternalId => kind is ValueShape.String or ValueShape.Guid or ValueShape.Integer or ValueShape.UInteger,
            ProfileField.Latitude or ProfileField.Longitude => kind is ValueShape.Double or ValueShape.Decimal or ValueShape.Integer,
            ProfileField.Image => kind is ValueShape.String or ValueShape.Uri,
            _ => kind is ValueShape.String or ValueShape.Enum,
        };
        if (!ok) Mismatch(member, ExpectedFor(field));
    }

    private static void SetEventField(ClassifiedMember member, EventField field, bool keepAsProperty, string propertyName)
    {
        member.Target = MemberTarget.EventField;
        member.EventField = field;
        member.KeepAsProperty = keepAsProperty;
        member.PropertyName = propertyName;
        if (!FitsEventField(field, member.Shape.Kind)) Mismatch(member, ExpectedFor(field));
    }

    private static bool FitsEventField(EventField field, ValueShape kind) => field switch
    {
        EventField.Value => kind is ValueShape.Double or ValueShape.Decimal or ValueShape.Integer or ValueShape.UInteger,
        EventField.ValueCurrency => kind is ValueShape.String or ValueShape.Enum,
        EventField.UniqueId => kind is ValueShape.String or ValueShape.Guid or ValueShape.Integer or ValueShape.UInteger,
        EventField.Time => kind is ValueShape.DateTime or ValueShape.DateTimeOffset,
        _ => false,
    };

    private static void SetAddress(ClassifiedMember member)
    {
        member.Target = MemberTarget.Address;
        var nested = new List<ClassifiedMember>();
        var addressType = (INamedTypeSymbol)member.Shape.Type;
        foreach (var (symbol, memberType) in ReadableMembers(addressType))
        {
            var inner = new ClassifiedMember(symbol, memberType);
            var a = AttributesOf(symbol);
            var normalized = MappingLookups.Normalize(inner.Name);
            if (ClassifyDeclared(inner, a)) { }
            else if (a.Field is { } f && f != ProfileField.None) SetProfileField(inner, f);
            else if (a.Trait is { } t && MappingLookups.AddressByConvention.TryGetValue(MappingLookups.Normalize(t), out var tf)) SetProfileField(inner, tf);
            else if (MappingLookups.AddressByConvention.TryGetValue(normalized, out var field)) SetProfileField(inner, field);
            else SetUnmapped(inner, normalized);
            if (inner.Target is MemberTarget.Property or MemberTarget.Unmapped && inner.Shape.Kind is ValueShape.Complex or ValueShape.Collection or ValueShape.Object or ValueShape.Dictionary)
                Mismatch(inner, "a text, number, date or boolean value (members of an address are flattened into properties)");
            nested.Add(inner);
        }
        member.Nested = nested;
    }

    private static void SetCompany(ClassifiedMember member)
    {
        var companyType = (INamedTypeSymbol)member.Shape.Type;
        foreach (var (symbol, memberType) in ReadableMembers(companyType))
        {
            if (MappingLookups.Normalize(symbol.Name) == MappingLookups.Normalize(KlaviyoMappingTables.CompanyNameKey) && memberType.SpecialType == SpecialType.System_String)
            {
                member.Target = MemberTarget.Company;
                member.Field = ProfileField.Organization;
                member.CompanyNameMember = symbol.Name;
                return;
            }
        }
        member.Target = MemberTarget.ProfileField;
        member.Field = ProfileField.Organization;
        Mismatch(member, "string, or a type with a string 'Name' member");
    }

    private static void Mismatch(ClassifiedMember member, string expected)
    {
        member.Problem = MemberProblem.TypeMismatch;
        member.ProblemDetail = expected;
    }

    private static void Unsupported(ClassifiedMember member)
    {
        member.Problem = MemberProblem.UnsupportedType;
        member.ProblemDetail = UnsupportedAdvice(member.Shape);
    }

    /// <summary>What to use instead of an unsupported type, naming the part that is wrong (a dictionary's key or value, a collection's element).</summary>
    public static string UnsupportedAdvice(TypeShape shape)
    {
        const string Supported = "a string, number (including BigInteger, Int128, Half), boolean, date, time (DateTime, DateTimeOffset, DateOnly, TimeOnly, TimeSpan), Guid, Uri, enum, a collection of these, a dictionary with string keys and such values, a JSON value, or a class or struct declared in your code";
        if (shape.IsDictionary && shape.Element is null)
            return "a dictionary with string keys (its keys become JSON property names), e.g. Dictionary<string, int>; or " + Supported;
        if (shape.IsDictionary)
            return "a dictionary whose values have a JSON form (its value type '" + shape.Element!.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat) + "' has none); values may be " + Supported;
        if (shape.Element is { } element)
            return "a collection whose elements have a JSON form (its element type '" + element.Type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat) + "' has none); elements may be " + Supported;
        return Supported;
    }

    public static string ExpectedFor(ProfileField field) => field switch
    {
        ProfileField.ExternalId => "string, Guid or an integer",
        ProfileField.Latitude or ProfileField.Longitude => "a number (double, float, decimal or an integer)",
        ProfileField.Image => "string or Uri",
        _ => "string",
    };

    public static string ExpectedFor(EventField field) => field switch
    {
        EventField.Value => "a number (double, float, decimal or an integer)",
        EventField.ValueCurrency => "string (an ISO-4217 code)",
        EventField.UniqueId => "string, Guid or an integer",
        EventField.Time => "DateTime or DateTimeOffset",
        _ => "a supported type",
    };

    private static void MarkDuplicates(List<ClassifiedMember> members)
    {
        var taken = new Dictionary<string, ClassifiedMember>(StringComparer.Ordinal);
        foreach (var member in members)
        {
            if (member.Problem != MemberProblem.None) continue;
            foreach (var key in TargetKeys(member))
            {
                if (taken.TryGetValue(key, out var first))
                {
                    member.Problem = MemberProblem.DuplicateTarget;
                    member.ProblemDetail = first.Name;
                    break;
                }
                taken[key] = member;
            }
        }
    }

    /// <summary>The targets a member fills, as comparable keys (a field, an event field, a property name).</summary>
    public static IEnumerable<string> TargetKeys(ClassifiedMember member)
    {
        switch (member.Target)
        {
            case MemberTarget.ProfileField:
            case MemberTarget.Company:
                yield return "field:" + member.Field;
                break;
            case MemberTarget.EventField:
                yield return "event:" + member.EventField;
                if (member.KeepAsProperty && member.PropertyName is not null) yield return "property:" + member.PropertyName;
                break;
            case MemberTarget.Property:
            case MemberTarget.Unmapped:
                yield return "property:" + member.PropertyName;
                break;
            case MemberTarget.Address:
                foreach (var inner in member.Nested ?? new List<ClassifiedMember>())
                {
                    if (inner.Problem != MemberProblem.None) continue;
                    foreach (var key in TargetKeys(inner)) yield return key;
                }
                break;
        }
    }
}
