using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Klaviyo.Destinations.Generators.Model;
using Microsoft.CodeAnalysis;

namespace Klaviyo.Destinations.Generators.Parsing;

/// <summary>Turns a mapped type's symbols into a symbol-free <see cref="MapperModel"/>.</summary>
internal static class MapperParser
{
    private static readonly SymbolDisplayFormat s_fullyQualified = SymbolDisplayFormat.FullyQualifiedFormat
        .WithMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.EscapeKeywordIdentifiers | SymbolDisplayMiscellaneousOptions.UseSpecialTypes);

    public static MapperModel? Parse(GeneratorAttributeSyntaxContext context, MapperKind kind, CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol type || !TypeRules.CanGenerate(type)) return null;
        cancellationToken.ThrowIfCancellationRequested();

        string? eventName = null;
        if (kind == MapperKind.Event)
        {
            eventName = context.Attributes[0].ConstructorArguments.FirstOrDefault().Value as string;
            if (!TypeRules.IsValidEventName(eventName)) return null;
        }

        var classification = MemberClassifier.Classify(type, kind, eventName);
        var state = new ParseState();
        var members = classification.Members.Where(m => m.IsGenerated).Select(m => ToModel(m, state)).ToEquatableArray();

        var ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : null;
        var mapperName = GeneratedNames.MapperName(type, kind);
        var hint = GeneratedNames.HintName(type, kind);

        return new MapperModel(
            kind,
            ns,
            type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat),
            type.ToDisplayString(s_fullyQualified),
            mapperName,
            hint,
            eventName,
            members,
            state.Objects.Values.ToEquatableArray(),
            state.Enums.Values.ToEquatableArray());
    }

    private sealed class ParseState
    {
        public readonly SortedDictionary<string, ObjectTypeModel> Objects = new(System.StringComparer.Ordinal);
        public readonly SortedDictionary<string, EnumModel> Enums = new(System.StringComparer.Ordinal);
        public readonly HashSet<string> InProgress = new(System.StringComparer.Ordinal);
    }

    private static MemberModel ToModel(ClassifiedMember member, ParseState state)
    {
        var nested = member.Nested is null
            ? EquatableArray<MemberModel>.Empty
            : member.Nested.Where(m => m.IsGenerated).Select(m => ToModel(m, state)).ToEquatableArray();
        var shape = member.Target is MemberTarget.Address or MemberTarget.Company
            ? new ShapeModel(member.Shape.Kind, member.Shape.Type.ToDisplayString(s_fullyQualified), member.Shape.CanBeNull, member.Shape.IsNullableValueType, null, null)
            : ToShape(member.Shape, state);
        return new MemberModel(
            member.Name,
            member.Target,
            member.Field,
            member.EventField,
            member.PropertyName,
            member.PropertyNameFromMember,
            member.KeepAsProperty,
            member.IsEventEmail,
            member.ClearWhenNull,
            shape,
            nested,
            member.CompanyNameMember);
    }

    private static ShapeModel ToShape(TypeShape shape, ParseState state)
    {
        var typeName = shape.Type.ToDisplayString(s_fullyQualified);
        string? helper = null;
        ShapeModel? element = null;
        switch (shape.Kind)
        {
            case ValueShape.Enum:
                helper = GeneratedNames.HelperKey(shape.Type);
                if (!state.Enums.ContainsKey(helper))
                {
                    var names = shape.Type.GetMembers().OfType<IFieldSymbol>().Where(f => f.IsConst).Select(f => f.Name).ToEquatableArray();
                    state.Enums[helper] = new EnumModel(helper, typeName, names);
                }
                break;
            case ValueShape.Complex:
                helper = GeneratedNames.HelperKey(shape.Type);
                if (!state.Objects.ContainsKey(helper) && state.InProgress.Add(helper))
                {
                    var members = new List<ObjectMemberModel>();
                    foreach (var (symbol, memberType) in MemberClassifier.ReadableMembers((INamedTypeSymbol)shape.Type))
                    {
                        var (jsonName, fromMember) = ObjectMemberName(symbol);
                        if (jsonName is null) continue;
                        var memberShape = TypeShape.Of(memberType);
                        if (memberShape.Kind == ValueShape.Unsupported) continue;
                        members.Add(new ObjectMemberModel(symbol.Name, jsonName, fromMember, ToShape(memberShape, state)));
                    }
                    state.Objects[helper] = new ObjectTypeModel(helper, typeName, members.ToEquatableArray());
                }
                break;
            case ValueShape.Collection:
            case ValueShape.Dictionary:
                element = ToShape(shape.Element!, state);
                break;
        }
        return new ShapeModel(shape.Kind, typeName, shape.CanBeNull, shape.IsNullableValueType, element, helper);
    }

    /// <summary>
    /// The JSON name of a nested object's member (and whether it is the member's own name, which the naming policy
    /// respells), or null when it is <c>[NotMapped]</c> or <c>[JsonIgnore]</c>. Attributes are read by
    /// <see cref="MemberClassifier.AttributesOf"/>, so those written on a record's positional parameter count, as
    /// they do for top-level members: <c>[NotMapped]</c>, then <c>[CustomProperty]</c> (its name, else the member's
    /// own), then <c>[Trait]</c> (leading <c>$</c> removed), else the ecommerce spelling of the name or the name.
    /// </summary>
    internal static (string? Name, bool FromMember) ObjectMemberName(ISymbol symbol)
    {
        var attributes = MemberClassifier.AttributesOf(symbol);
        if (attributes.NotMapped) return (null, false);
        if (attributes.HasCustomProperty) return (attributes.CustomPropertyName ?? symbol.Name, attributes.CustomPropertyName is null);
        if (attributes.Trait is { } trait) return (KlaviyoKeys.PropertyName(trait), false);
        return MappingLookups.EcommerceByConvention.TryGetValue(MappingLookups.Normalize(symbol.Name), out var key) ? (key, false) : (symbol.Name, true);
    }
}
