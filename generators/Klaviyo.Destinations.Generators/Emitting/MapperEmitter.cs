using System.Collections.Generic;
using System.Linq;
using Klaviyo.Destinations.Generators.Model;

namespace Klaviyo.Destinations.Generators.Emitting;

/// <summary>Model → view: the statements of a generated mapper, handed to the <c>Mapper.sbncs</c> template.</summary>
internal static class MapperEmitter
{
    private const string ProfileFieldType = "global::Klaviyo.Destinations.ProfileField.";

    public static string Emit(MapperModel model, GeneratorOptions options)
    {
        var values = new ValueEmitter();
        var body = new CodeWriter();
        foreach (var member in model.Members)
            EmitMember(body, values, member, "value." + CodeWriter.Identifier(member.Name), options);

        var objects = model.ObjectTypes.Select(o => new Dictionary<string, object>
        {
            ["method"] = ValueEmitter.ObjectMethod(o.Key),
            ["type_name"] = o.TypeName,
            ["lines"] = ObjectBody(values, o, options.PropertyNaming),
        }).ToList();
        var enums = model.Enums.Select(e => new Dictionary<string, object>
        {
            ["method"] = ValueEmitter.EnumMethod(e.Key),
            ["type_name"] = e.TypeName,
            ["cases"] = e.Names.Select(n => $"{e.TypeName}.{CodeWriter.Identifier(n)} => {CodeWriter.Literal(n)},").ToList(),
        }).ToList();

        var view = new Dictionary<string, object?>
        {
            ["namespace"] = model.Namespace,
            ["mapper_name"] = model.MapperName,
            ["type_name"] = model.TypeName,
            ["type_display"] = model.TypeDisplayName,
            ["is_event"] = model.Kind == MapperKind.Event,
            ["event_name"] = model.EventName is null ? null : CodeWriter.Literal(model.EventName),
            ["version"] = GeneratorInfo.Version,
            ["names"] = values.Names.Select(n => new Dictionary<string, object> { ["field"] = n.Key, ["literal"] = CodeWriter.Literal(n.Value) }).ToList(),
            ["body"] = body.Lines,
            ["objects"] = objects,
            ["enums"] = enums,
        };
        return Templates.Render("Mapper", view);
    }

    internal static List<string> ObjectBody(ValueEmitter values, ObjectTypeModel type, PropertyNaming naming)
    {
        var w = new CodeWriter();
        w.Line($"{ValueEmitter.JsonValue}.CheckDepth(depth);");
        w.Line("json.WriteStartObject();");
        foreach (var member in type.Members)
        {
            var expr = "value." + CodeWriter.Identifier(member.Name);
            var name = values.Name(member.JsonNameFromMember ? PropertyNames.Apply(member.JsonName, naming) : member.JsonName);
            if (member.Shape.CanBeNull)
            {
                var v = values.Local("m");
                w.Open($"if ({expr} is {{ }} {v})");
                w.Line($"json.WritePropertyName({name});");
                values.WriteValue(w, "json", v, member.Shape with { CanBeNull = false }, "depth");
                w.Close();
            }
            else
            {
                w.Line($"json.WritePropertyName({name});");
                values.WriteValue(w, "json", expr, member.Shape, "depth");
            }
        }
        w.Line("json.WriteEndObject();");
        return w.Lines;
    }

    internal static void EmitMember(CodeWriter w, ValueEmitter values, MemberModel member, string expr, GeneratorOptions options)
    {
        var clear = member.ClearWhenNull ? ", clearWhenNull: true" : "";
        var propertyName = member.PropertyName is null ? null
            : member.PropertyNameFromMember ? PropertyNames.Apply(member.PropertyName, options.PropertyNaming) : member.PropertyName;
        switch (member.Target)
        {
            case MemberTarget.ProfileField:
                EmitProfileField(w, member.Field, expr, member.Shape, clear);
                break;
            case MemberTarget.Company:
                var company = member.Shape.CanBeNull ? $"{expr}?.{CodeWriter.Identifier(member.CompanyNameMember!)}" : $"{expr}.{CodeWriter.Identifier(member.CompanyNameMember!)}";
                w.Line($"writer.Set({ProfileFieldType}Organization, {company}{clear});");
                break;
            case MemberTarget.Address:
                var address = values.Local("address");
                if (member.Shape.CanBeNull) w.Open($"if ({expr} is {{ }} {address})");
                else
                {
                    w.Open("");
                    w.Line($"var {address} = {expr};");
                }
                foreach (var inner in member.Nested)
                    EmitMember(w, values, inner, address + "." + CodeWriter.Identifier(inner.Name), options);
                w.Close();
                break;
            case MemberTarget.EventField:
                EmitEventField(w, member, expr);
                if (member.KeepAsProperty) EmitProperty(w, values, propertyName!, expr, member.Shape, clear);
                break;
            case MemberTarget.Property:
                EmitProperty(w, values, propertyName!, expr, member.Shape, clear);
                if (member.IsEventEmail) w.Line($"writer.SetEmail({expr});");
                break;
            case MemberTarget.Unmapped:
                if (options.UnmappedTraits != UnmappedTraitHandling.Drop)
                    EmitProperty(w, values, propertyName!, expr, member.Shape, clear);
                break;
        }
    }

    private static void EmitProfileField(CodeWriter w, ProfileField field, string expr, ShapeModel shape, string clear)
    {
        var target = ProfileFieldType + field;
        var argument = field is ProfileField.Latitude or ProfileField.Longitude
            ? $"(double?){expr}"
            : ValueEmitter.TextArgument(expr, shape);
        w.Line($"writer.Set({target}, {argument}{clear});");
    }

    private static void EmitEventField(CodeWriter w, MemberModel member, string expr)
    {
        switch (member.EventField)
        {
            case EventField.Value:
                w.Line(member.Shape.Kind == ValueShape.Decimal ? $"writer.SetValue((decimal?){expr});" : $"writer.SetValue((double?){expr});");
                break;
            case EventField.ValueCurrency:
                w.Line($"writer.SetCurrency({ValueEmitter.TextArgument(expr, member.Shape)});");
                break;
            case EventField.UniqueId:
                w.Line($"writer.SetUniqueId({ValueEmitter.TextArgument(expr, member.Shape)});");
                break;
            case EventField.Time:
                w.Line(member.Shape.Kind == ValueShape.DateTime ? $"writer.SetTime((global::System.DateTime?){expr});" : $"writer.SetTime((global::System.DateTimeOffset?){expr});");
                break;
        }
    }

    private static void EmitProperty(CodeWriter w, ValueEmitter values, string propertyName, string expr, ShapeModel shape, string clear)
    {
        var name = values.Name(propertyName);
        var scalar = ValueEmitter.ScalarArgument(expr, shape);
        if (scalar is not null)
        {
            w.Line($"writer.Property({name}, {scalar}{clear});");
            return;
        }
        if (shape.Kind == ValueShape.Object)
        {
            w.Line($"writer.PropertyValue({CodeWriter.Literal(propertyName)}, {expr});");
            return;
        }
        // Collections, dictionaries and nested objects go through NestedProperty: a value nested too deep (or referring
        // to itself) is left out with a warning and the rest of the message is sent.
        var json = values.Local("json");
        var item = values.Local("v");
        var value = expr;
        if (shape.CanBeNull)
        {
            value = values.Local("p");
            w.Open($"if ({expr} is {{ }} {value})");
        }
        w.Open($"writer.NestedProperty({name}, {value}, static ({json}, {item}) =>");
        values.WriteValue(w, json, item, shape with { CanBeNull = false }, "0");
        w.Close(");");
        if (shape.CanBeNull)
        {
            w.Close();
            if (clear.Length > 0)
            {
                w.Open("else");
                w.Line($"writer.Property({name}, (string?)null, clearWhenNull: true);");
                w.Close();
            }
        }
    }
}
