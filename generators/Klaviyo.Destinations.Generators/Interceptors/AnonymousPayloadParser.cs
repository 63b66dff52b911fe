using System.Collections.Generic;
using System.Linq;
using Klaviyo.Destinations.Generators.Model;
using Klaviyo.Destinations.Generators.Parsing;
using Microsoft.CodeAnalysis;

namespace Klaviyo.Destinations.Generators.Interceptors;

/// <summary>
/// Turns an anonymous payload type into a symbol-free <see cref="AnonymousPayloadModel"/>. Members are classified by
/// <see cref="MemberClassifier"/>, exactly as the members of a <c>[KlaviyoProfile]</c>/<c>[KlaviyoEvent]</c> model.
/// Generated code cannot name an anonymous type, so it writes a <em>prototype</em>: an expression of the same type
/// (same member names, types and order), used only for type inference inside a lambda that never runs.
/// </summary>
internal static class AnonymousPayloadParser
{
    private static readonly SymbolDisplayFormat s_fullyQualified = SymbolDisplayFormat.FullyQualifiedFormat
        .WithMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.EscapeKeywordIdentifiers
            | SymbolDisplayMiscellaneousOptions.UseSpecialTypes
            | SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    public static AnonymousPayloadModel Parse(INamedTypeSymbol type)
    {
        var state = new State();
        var prototype = Prototype(type, state);
        var profile = MemberClassifier.Classify(type, MapperKind.Profile, null).Members
            .Where(m => m.IsGenerated).Select(m => ToModel(m, state)).ToEquatableArray();
        var events = MemberClassifier.Classify(type, MapperKind.Event, null).Members
            .Where(m => m.IsGenerated).Select(m => ToModel(m, state)).ToEquatableArray();
        return new AnonymousPayloadModel(
            StableKey(prototype),
            prototype,
            state.Helpers.Values.ToEquatableArray(),
            profile,
            events,
            state.Objects.Values.ToEquatableArray(),
            state.Anonymous.Values.ToEquatableArray(),
            state.Enums.Values.ToEquatableArray());
    }

    private sealed class State
    {
        public readonly SortedDictionary<string, ObjectTypeModel> Objects = new(System.StringComparer.Ordinal);
        public readonly SortedDictionary<string, AnonymousObjectModel> Anonymous = new(System.StringComparer.Ordinal);
        public readonly SortedDictionary<string, EnumModel> Enums = new(System.StringComparer.Ordinal);
        public readonly SortedDictionary<string, string> Helpers = new(System.StringComparer.Ordinal);
        public readonly HashSet<string> InProgress = new(System.StringComparer.Ordinal);
    }

    private static MemberModel ToModel(ClassifiedMember member, State state)
    {
        var nested = member.Nested is null
            ? EquatableArray<MemberModel>.Empty
            : member.Nested.Where(m => m.IsGenerated).Select(m => ToModel(m, state)).ToEquatableArray();
        var shape = member.Target is MemberTarget.Address or MemberTarget.Company
            ? new ShapeModel(member.Shape.Kind, TypeName(member.Shape.Type), member.Shape.CanBeNull, member.Shape.IsNullableValueType, null, null)
            : ToShape(member.Shape, state);
        return new MemberModel(member.Name, member.Target, member.Field, member.EventField, member.PropertyName, member.PropertyNameFromMember, member.KeepAsProperty,
            member.IsEventEmail, member.ClearWhenNull, shape, nested, member.CompanyNameMember);
    }

    /// <summary>The type as generated code writes it: <c>object</c> for an anonymous type (helpers take it untyped).</summary>
    private static string TypeName(ITypeSymbol type) => type.IsAnonymousType ? "object" : type.ToDisplayString(s_fullyQualified);

    private static ShapeModel ToShape(TypeShape shape, State state)
    {
        var typeName = TypeName(shape.Type);
        string? helper = null;
        ShapeModel? element = null;
        switch (shape.Kind)
        {
            case ValueShape.Enum:
                helper = Key(typeName);
                if (!state.Enums.ContainsKey(helper))
                {
                    var names = shape.Type.GetMembers().OfType<IFieldSymbol>().Where(f => f.IsConst).Select(f => f.Name).ToEquatableArray();
                    state.Enums[helper] = new EnumModel(helper, typeName, names);
                }
                break;
            case ValueShape.Complex:
                var anonymousPrototype = shape.Type.IsAnonymousType ? Prototype(shape.Type, state) : null;
                helper = anonymousPrototype is null ? Key(typeName) : "Anonymous_" + StableKey(anonymousPrototype);
                if (!state.Objects.ContainsKey(helper) && state.InProgress.Add(helper))
                {
                    var members = new List<ObjectMemberModel>();
                    foreach (var (symbol, memberType) in MemberClassifier.ReadableMembers((INamedTypeSymbol)shape.Type))
                    {
                        var (jsonName, fromMember) = anonymousPrototype is null ? MapperParser.ObjectMemberName(symbol) : ObjectMemberName(symbol.Name);
                        if (jsonName is null) continue;
                        var memberShape = TypeShape.Of(memberType);
                        if (memberShape.Kind == ValueShape.Unsupported) continue;
                        members.Add(new ObjectMemberModel(symbol.Name, jsonName, fromMember, ToShape(memberShape, state)));
                    }
                    state.Objects[helper] = new ObjectTypeModel(helper, typeName, members.ToEquatableArray());
                    if (anonymousPrototype is not null) state.Anonymous[helper] = new AnonymousObjectModel(helper, anonymousPrototype);
                }
                break;
            case ValueShape.Collection:
                element = ToShape(shape.Element!, state);
                break;
        }
        return new ShapeModel(shape.Kind, typeName, shape.CanBeNull, shape.IsNullableValueType, element, helper);
    }

    /// <summary>
    /// A nested anonymous object's member: the ecommerce spelling of its name (products' <c>ProductId</c> → <c>product_id</c>),
    /// else the name itself (which the assembly's naming policy then applies to).
    /// </summary>
    private static (string? Name, bool FromMember) ObjectMemberName(string name) =>
        MappingLookups.EcommerceByConvention.TryGetValue(MappingLookups.Normalize(name), out var key) ? (key, false) : (name, true);

    /// <summary>An expression of exactly <paramref name="type"/>, valid inside a static lambda that is never called.</summary>
    private static string Prototype(ITypeSymbol type, State state)
    {
        if (type is INamedTypeSymbol { IsAnonymousType: true } anonymous)
        {
            var members = anonymous.GetMembers().OfType<IPropertySymbol>()
                .Select(p => Emitting.CodeWriter.Identifier(p.Name) + " = " + Prototype(p.Type, state));
            return "new { " + string.Join(", ", members) + " }";
        }
        if (!ContainsAnonymous(type))
        {
            var name = type.ToDisplayString(s_fullyQualified);
            return type.IsReferenceType && type.NullableAnnotation != NullableAnnotation.Annotated ? "default(" + name + ")!" : "default(" + name + ")";
        }
        if (type is IArrayTypeSymbol array)
        {
            var rank = array.Rank == 1 ? "[]" : "[" + new string(',', array.Rank - 1) + "]";
            var helperName = "ArrayOf" + array.Rank;
            state.Helpers[helperName] = $"private static TElement{rank} {helperName}<TElement>(global::System.Func<TElement> element) => default!;";
            return helperName + "(static () => " + Prototype(array.ElementType, state) + ")";
        }
        var named = (INamedTypeSymbol)type;
        var definition = named.OriginalDefinition;
        var parameters = Enumerable.Range(0, named.TypeArguments.Length).Select(i => "T" + i).ToList();
        var definitionName = definition.ToDisplayString(s_fullyQualified);
        var open = definitionName.Substring(0, definitionName.IndexOf('<'));
        var helper = "Make_" + Key(open) + "_" + parameters.Count;
        state.Helpers[helper] = $"private static {open}<{string.Join(", ", parameters)}> {helper}<{string.Join(", ", parameters)}>("
            + string.Join(", ", parameters.Select((p, i) => $"global::System.Func<{p}> a{i}")) + ") => default!;";
        return helper + "(" + string.Join(", ", named.TypeArguments.Select(a => "static () => " + Prototype(a, state))) + ")";
    }

    private static bool ContainsAnonymous(ITypeSymbol type) => type switch
    {
        { IsAnonymousType: true } => true,
        IArrayTypeSymbol array => ContainsAnonymous(array.ElementType),
        INamedTypeSymbol named => named.TypeArguments.Any(ContainsAnonymous) || (named.ContainingType is { } outer && ContainsAnonymous(outer)),
        _ => false,
    };

    /// <summary>A short, stable (FNV-1a) key of a shape's prototype: deterministic across runs and machines.</summary>
    public static string StableKey(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in text)
        {
            hash ^= c;
            hash *= 1099511628211UL;
        }
        return hash.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string Key(string typeName)
    {
        var chars = typeName.Replace("global::", "").ToCharArray();
        for (var i = 0; i < chars.Length; i++)
            if (!char.IsLetterOrDigit(chars[i])) chars[i] = '_';
        return new string(chars);
    }
}
