using System.Collections.Generic;
using Klaviyo.Destinations.Generators.Model;

namespace Klaviyo.Destinations.Generators.Emitting;

/// <summary>Writes the C# statements that put one value into the JSON (shared by mappers and nested object writers).</summary>
internal sealed class ValueEmitter
{
    public const string Writer = "global::System.Text.Json.Utf8JsonWriter";
    public const string Invariant = "global::System.Globalization.CultureInfo.InvariantCulture";
    public const string JsonValue = "global::Klaviyo.Destinations.Mapping.KlaviyoJsonValue";

    private readonly Dictionary<string, string> _names = new(System.StringComparer.Ordinal);
    private int _locals;

    /// <summary>Pre-encoded property names: field name → JSON name, in first-use order.</summary>
    public List<KeyValuePair<string, string>> Names { get; } = new();

    /// <summary>The static field holding the pre-encoded <paramref name="jsonName"/>.</summary>
    public string Name(string jsonName)
    {
        if (!_names.TryGetValue(jsonName, out var field))
        {
            field = "s_name" + _names.Count;
            _names.Add(jsonName, field);
            Names.Add(new KeyValuePair<string, string>(field, jsonName));
        }
        return field;
    }

    public string Local(string prefix) => prefix + _locals++;

    public static string EnumMethod(string key) => "EnumName_" + key;

    public static string ObjectMethod(string key) => "Write_" + key;

    /// <summary>Writes one JSON value (no property name) for <paramref name="expr"/>.</summary>
    public void WriteValue(CodeWriter w, string json, string expr, ShapeModel shape, string depth)
    {
        if (shape.Kind == ValueShape.String)
        {
            w.Line($"{json}.WriteStringValue({expr});");
            return;
        }
        if (shape.CanBeNull)
        {
            var v = Local("v");
            w.Open($"if ({expr} is {{ }} {v})");
            WriteNonNull(w, json, v, shape, depth);
            w.Close();
            w.Open("else");
            w.Line($"{json}.WriteNullValue();");
            w.Close();
            return;
        }
        WriteNonNull(w, json, expr, shape, depth);
    }

    private void WriteNonNull(CodeWriter w, string json, string v, ShapeModel shape, string depth)
    {
        switch (shape.Kind)
        {
            case ValueShape.String: w.Line($"{json}.WriteStringValue({v});"); break;
            case ValueShape.Bool: w.Line($"{json}.WriteBooleanValue({v});"); break;
            case ValueShape.Integer: w.Line($"{json}.WriteNumberValue((long){v});"); break;
            case ValueShape.UInteger: w.Line($"{json}.WriteNumberValue((ulong){v});"); break;
            case ValueShape.Double: w.Line($"{json}.WriteNumberValue((double){v});"); break;
            case ValueShape.Decimal: w.Line($"{json}.WriteNumberValue({v});"); break;
            case ValueShape.Char: w.Line($"{json}.WriteStringValue({v}.ToString());"); break;
            case ValueShape.DateTime:
            case ValueShape.DateTimeOffset:
            case ValueShape.Guid: w.Line($"{json}.WriteStringValue({v});"); break;
            case ValueShape.DateOnly: w.Line($"{json}.WriteStringValue({v}.ToString(\"yyyy-MM-dd\", {Invariant}));"); break;
            case ValueShape.Uri: w.Line($"{json}.WriteStringValue({v}.OriginalString);"); break;
            case ValueShape.Enum: w.Line($"{json}.WriteStringValue({EnumMethod(shape.HelperKey!)}({v}));"); break;
            case ValueShape.Complex: w.Line($"{ObjectMethod(shape.HelperKey!)}({json}, {v}, {depth} + 1);"); break;
            case ValueShape.Object: w.Line($"{JsonValue}.Write({json}, {v}, {depth} + 1);"); break;
            case ValueShape.BigInteger: w.Line($"{JsonValue}.WriteNumber({json}, (global::System.Numerics.BigInteger){v});"); break;
            case ValueShape.TimeOnly: w.Line($"{json}.WriteStringValue({JsonValue}.Format({v}));"); break;
            case ValueShape.TimeSpan: w.Line($"{json}.WriteStringValue({JsonValue}.Format({v}));"); break;
            case ValueShape.Dictionary:
                var entry = Local("entry");
                w.Line($"{JsonValue}.CheckDepth({depth} + 1);");
                w.Line($"{json}.WriteStartObject();");
                w.Open($"foreach (var {entry} in {v})");
                w.Line($"{json}.WritePropertyName({entry}.Key);");
                WriteValue(w, json, entry + ".Value", shape.Element!, depth + " + 1");
                w.Close();
                w.Line($"{json}.WriteEndObject();");
                break;
            case ValueShape.Collection:
                var item = Local("item");
                w.Line($"{JsonValue}.CheckDepth({depth} + 1);");
                w.Line($"{json}.WriteStartArray();");
                w.Open($"foreach (var {item} in {v})");
                WriteValue(w, json, item, shape.Element!, depth + " + 1");
                w.Close();
                w.Line($"{json}.WriteEndArray();");
                break;
        }
    }

    /// <summary>An expression of a nullable scalar type that the property-writer overloads accept, or null for complex shapes.</summary>
    public static string? ScalarArgument(string expr, ShapeModel shape)
    {
        var nullable = shape.CanBeNull;
        return shape.Kind switch
        {
            ValueShape.String => expr,
            ValueShape.Bool => $"(bool?){expr}",
            ValueShape.Integer => $"(long?){expr}",
            ValueShape.UInteger => $"(ulong?){expr}",
            ValueShape.Double => $"(double?){expr}",
            ValueShape.Decimal => $"(decimal?){expr}",
            ValueShape.DateTime => $"(global::System.DateTime?){expr}",
            ValueShape.DateTimeOffset => $"(global::System.DateTimeOffset?){expr}",
            ValueShape.DateOnly => $"(global::System.DateOnly?){expr}",
            ValueShape.Guid => $"(global::System.Guid?){expr}",
            ValueShape.Uri => expr,
            ValueShape.BigInteger => $"(global::System.Numerics.BigInteger?){expr}",
            ValueShape.TimeOnly => $"(global::System.TimeOnly?){expr}",
            ValueShape.TimeSpan => $"(global::System.TimeSpan?){expr}",
            ValueShape.Char => nullable ? $"{expr}?.ToString()" : $"{expr}.ToString()",
            ValueShape.Enum => nullable ? $"({expr} is {{ }} e_ ? {EnumMethod(shape.HelperKey!)}(e_) : null)" : $"{EnumMethod(shape.HelperKey!)}({expr})",
            _ => null,
        };
    }

    /// <summary>A string expression for identifier-like values (external_id, unique_id): text, Guid or integer.</summary>
    public static string TextArgument(string expr, ShapeModel shape) => shape.Kind switch
    {
        ValueShape.String => expr,
        ValueShape.Uri => $"{expr}?.OriginalString",
        ValueShape.Enum => ScalarArgument(expr, shape)!,
        _ => shape.CanBeNull ? $"{expr}?.ToString(null, {Invariant})" : $"{expr}.ToString(null, {Invariant})",
    };
}
