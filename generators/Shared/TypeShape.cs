using Microsoft.CodeAnalysis;

namespace Klaviyo.Destinations.Generators;

/// <summary>How a C# type is written to JSON.</summary>
internal enum ValueShape
{
    Unsupported,
    String,
    Bool,
    Integer,
    UInteger,
    Double,
    Decimal,
    Char,
    DateTime,
    DateTimeOffset,
    DateOnly,
    Guid,
    Uri,
    Enum,
    Collection,
    Complex,
    Object,
    /// <summary><c>BigInteger</c>, <c>Int128</c>, <c>UInt128</c>: a number up to 2^53, a string of digits beyond.</summary>
    BigInteger,
    /// <summary><c>TimeOnly</c>: ISO-8601 time of day (<c>HH:mm:ss.FFFFFFF</c>).</summary>
    TimeOnly,
    /// <summary><c>TimeSpan</c>: ISO-8601 duration (<c>P1DT2H30M</c>).</summary>
    TimeSpan,
    /// <summary>A dictionary with string keys and values of a supported type (<see cref="TypeShape.Element"/>), as a JSON object.</summary>
    Dictionary,
}

/// <summary>The JSON shape of a member's type (symbol-bearing; only used while parsing and analysing).</summary>
internal sealed class TypeShape
{
    public TypeShape(ValueShape kind, ITypeSymbol type, bool isNullableValueType, TypeShape? element = null)
    {
        Kind = kind;
        Type = type;
        IsNullableValueType = isNullableValueType;
        Element = element;
    }

    public ValueShape Kind { get; }

    /// <summary>The type without <c>Nullable&lt;T&gt;</c>.</summary>
    public ITypeSymbol Type { get; }

    public bool IsNullableValueType { get; }

    /// <summary>True when a value can be null (reference type or <c>Nullable&lt;T&gt;</c>).</summary>
    public bool CanBeNull => IsNullableValueType || !Type.IsValueType;

    /// <summary>The element of a collection, or the value of a dictionary.</summary>
    public TypeShape? Element { get; }

    /// <summary>True for a dictionary type (supported or not), so a refusal can say what is wrong with it.</summary>
    public bool IsDictionary { get; private set; }

    public bool IsNumeric => Kind is ValueShape.Integer or ValueShape.UInteger or ValueShape.Double or ValueShape.Decimal;

    public static TypeShape Of(ITypeSymbol type, int depth = 0)
    {
        var nullableValue = false;
        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } n)
        {
            type = n.TypeArguments[0];
            nullableValue = true;
        }
        var kind = type.SpecialType switch
        {
            SpecialType.System_String => ValueShape.String,
            SpecialType.System_Boolean => ValueShape.Bool,
            SpecialType.System_SByte or SpecialType.System_Byte or SpecialType.System_Int16 or SpecialType.System_UInt16
                or SpecialType.System_Int32 or SpecialType.System_UInt32 or SpecialType.System_Int64 => ValueShape.Integer,
            SpecialType.System_UInt64 => ValueShape.UInteger,
            SpecialType.System_Single or SpecialType.System_Double => ValueShape.Double,
            SpecialType.System_Decimal => ValueShape.Decimal,
            SpecialType.System_Char => ValueShape.Char,
            SpecialType.System_DateTime => ValueShape.DateTime,
            SpecialType.System_Object => ValueShape.Object,
            _ => ValueShape.Unsupported,
        };
        if (kind != ValueShape.Unsupported) return new TypeShape(kind, type, nullableValue);
        if (type.TypeKind == TypeKind.Enum) return new TypeShape(ValueShape.Enum, type, nullableValue);

        if (WellKnown(type) is { } known) return new TypeShape(known, type, nullableValue);

        if (IsStringKeyedDictionary(type)) return new TypeShape(ValueShape.Object, type, nullableValue);
        if (TryGetDictionaryValue(type, out var keyIsString, out var valueType))
        {
            if (!keyIsString || depth >= 8) return new TypeShape(ValueShape.Unsupported, type, nullableValue) { IsDictionary = true };
            var valueShape = Of(valueType!, depth + 1);
            return valueShape.Kind == ValueShape.Unsupported
                ? new TypeShape(ValueShape.Unsupported, type, nullableValue, valueShape) { IsDictionary = true }
                : new TypeShape(ValueShape.Dictionary, type, nullableValue, valueShape) { IsDictionary = true };
        }

        if (depth < 8 && TryGetEnumerableElement(type, out var element))
        {
            var elementShape = Of(element!, depth + 1);
            return elementShape.Kind == ValueShape.Unsupported
                ? new TypeShape(ValueShape.Unsupported, type, nullableValue, elementShape)
                : new TypeShape(ValueShape.Collection, type, nullableValue, elementShape);
        }

        if (type is INamedTypeSymbol named && IsComplexCandidate(named))
            return new TypeShape(ValueShape.Complex, type, nullableValue);

        return new TypeShape(ValueShape.Unsupported, type, nullableValue);
    }

    /// <summary>The BCL value types with their own JSON form, by name and namespace (no display string per member).</summary>
    private static ValueShape? WellKnown(ITypeSymbol type)
    {
        if (type is not INamedTypeSymbol { ContainingType: null, Arity: 0 } named) return null;
        switch (named.Name)
        {
            case "DateTimeOffset" when SymbolNames.IsInNamespace(named, "System"): return ValueShape.DateTimeOffset;
            case "DateOnly" when SymbolNames.IsInNamespace(named, "System"): return ValueShape.DateOnly;
            case "Guid" when SymbolNames.IsInNamespace(named, "System"): return ValueShape.Guid;
            case "Uri" when SymbolNames.IsInNamespace(named, "System"): return ValueShape.Uri;
            case "Half" when SymbolNames.IsInNamespace(named, "System"): return ValueShape.Double;
            case "Int128" or "UInt128" when SymbolNames.IsInNamespace(named, "System"): return ValueShape.BigInteger;
            case "BigInteger" when SymbolNames.IsInNamespace(named, "System.Numerics"): return ValueShape.BigInteger;
            case "TimeOnly" when SymbolNames.IsInNamespace(named, "System"): return ValueShape.TimeOnly;
            case "TimeSpan" when SymbolNames.IsInNamespace(named, "System"): return ValueShape.TimeSpan;
            case "JsonElement" when SymbolNames.IsInNamespace(named, "System.Text.Json"): return ValueShape.Object;
            case "JsonNode" or "JsonObject" or "JsonArray" when SymbolNames.IsInNamespace(named, "System.Text.Json.Nodes"): return ValueShape.Object;
            default: return null;
        }
    }

    private static bool IsStringKeyedDictionary(ITypeSymbol type)
    {
        foreach (var candidate in Self(type))
        {
            if (candidate is INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 2 } g
                && g.TypeArguments[0].SpecialType == SpecialType.System_String
                && g.TypeArguments[1].SpecialType == SpecialType.System_Object
                && SymbolNames.IsGenericDictionaryInterface(g))
                return true;
        }
        return false;
    }

    /// <summary>A generic <c>IDictionary</c>/<c>IReadOnlyDictionary</c> the type is or implements (string keys preferred).</summary>
    private static bool TryGetDictionaryValue(ITypeSymbol type, out bool keyIsString, out ITypeSymbol? value)
    {
        keyIsString = false;
        value = null;
        foreach (var candidate in Self(type))
        {
            if (candidate is not INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 2 } g) continue;
            if (!SymbolNames.IsGenericDictionaryInterface(g)) continue;
            var isString = g.TypeArguments[0].SpecialType == SpecialType.System_String;
            if (value is null || (isString && !keyIsString))
            {
                keyIsString = isString;
                value = g.TypeArguments[1];
            }
        }
        return value is not null;
    }

    private static bool TryGetEnumerableElement(ITypeSymbol type, out ITypeSymbol? element)
    {
        element = null;
        if (type is IArrayTypeSymbol array)
        {
            element = array.ElementType;
            return true;
        }
        foreach (var candidate in Self(type))
        {
            if (candidate is INamedTypeSymbol { IsGenericType: true } g
                && g.OriginalDefinition.SpecialType == SpecialType.System_Collections_Generic_IEnumerable_T)
            {
                element = g.TypeArguments[0];
                return true;
            }
        }
        return false;
    }

    private static System.Collections.Generic.IEnumerable<ITypeSymbol> Self(ITypeSymbol type)
    {
        yield return type;
        foreach (var i in type.AllInterfaces) yield return i;
    }

    private static bool IsComplexCandidate(INamedTypeSymbol type)
    {
        if (type.TypeKind is not (TypeKind.Class or TypeKind.Struct)) return false;
        if (type.IsAbstract || type.IsGenericType) return false;
        foreach (var location in type.Locations)
            if (location.IsInSource) return true;
        return false;
    }
}
