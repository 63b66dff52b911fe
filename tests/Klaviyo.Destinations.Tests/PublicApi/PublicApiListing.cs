using System.ComponentModel;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;

namespace Klaviyo.Destinations.Tests.PublicApi;

/// <summary>
/// Lists an assembly's public surface one declaration a line, sorted: every public type with its kind, base type and
/// interfaces, and every public or protected member with its signature, nullability, default values, constant values
/// and whether it is hidden from IntelliSense. Two builds with the same surface give the same text.
/// </summary>
internal static class PublicApiListing
{
    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static readonly Dictionary<Type, string> s_keywords = new()
    {
        [typeof(void)] = "void", [typeof(object)] = "object", [typeof(string)] = "string", [typeof(bool)] = "bool",
        [typeof(byte)] = "byte", [typeof(sbyte)] = "sbyte", [typeof(char)] = "char", [typeof(short)] = "short",
        [typeof(ushort)] = "ushort", [typeof(int)] = "int", [typeof(uint)] = "uint", [typeof(long)] = "long",
        [typeof(ulong)] = "ulong", [typeof(float)] = "float", [typeof(double)] = "double", [typeof(decimal)] = "decimal",
    };

    public static List<string> Of(Assembly assembly)
    {
        var nullability = new NullabilityInfoContext();
        var lines = new List<string>();
        foreach (var type in assembly.GetExportedTypes())
        {
            var name = Name(type, null);
            lines.Add($"{name} [{TypeKind(type)}]{Bases(type)}{Hidden(type)}");
            if (type.IsEnum)
            {
                foreach (var field in type.GetFields(BindingFlags.Public | BindingFlags.Static))
                    lines.Add($"{name}.{field.Name} = {Convert.ToInt64(field.GetRawConstantValue(), System.Globalization.CultureInfo.InvariantCulture)}");
                continue;
            }
            if (IsDelegate(type))
            {
                var invoke = type.GetMethod("Invoke")!;
                lines.Add($"{name}.Invoke({Parameters(invoke, nullability)}) -> {Name(invoke.ReturnType, nullability.Create(invoke.ReturnParameter))}");
                continue;
            }
            foreach (var member in type.GetMembers(Declared))
            {
                if (Line(type, name, member, nullability) is { } line) lines.Add(line);
            }
        }
        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    private static string? Line(Type type, string typeName, MemberInfo member, NullabilityInfoContext nullability)
    {
        switch (member)
        {
            case ConstructorInfo ctor when Visible(ctor):
                if (type.IsAbstract && type.IsSealed) return null; // static class
                return $"{typeName}.{Access(ctor)}{(ctor.IsStatic ? "static " : "")}ctor({Parameters(ctor, nullability)}){Hidden(ctor)}";
            case MethodInfo method when Visible(method) && (!method.IsSpecialName || method.Name.StartsWith("op_", StringComparison.Ordinal)):
                if (method.Name == "<Clone>$") return null;
                var generics = method.IsGenericMethodDefinition ? "<" + string.Join(", ", method.GetGenericArguments().Select(a => a.Name)) + ">" : "";
                return $"{typeName}.{Access(method)}{Modifiers(method)}{method.Name}{generics}({Parameters(method, nullability)}) -> {Name(method.ReturnType, nullability.Create(method.ReturnParameter))}{Hidden(method)}";
            case PropertyInfo property:
                var accessors = new List<string>();
                if (property.GetMethod is { } get && Visible(get)) accessors.Add(Access(get) + "get");
                if (property.SetMethod is { } set && Visible(set))
                    accessors.Add(Access(set) + (set.ReturnParameter.GetRequiredCustomModifiers().Contains(typeof(IsExternalInit)) ? "init" : "set"));
                if (accessors.Count == 0) return null;
                var any = property.GetMethod ?? property.SetMethod!;
                var indexer = property.GetIndexParameters() is { Length: > 0 } index
                    ? "[" + string.Join(", ", index.Select(p => $"{Name(p.ParameterType, nullability.Create(p))} {p.Name}")) + "]"
                    : "";
                return $"{typeName}.{Modifiers(any)}{property.Name}{indexer} {{ {string.Join("; ", accessors)}; }} -> {Name(property.PropertyType, nullability.Create(property))}{Hidden(property)}";
            case FieldInfo field when field.IsPublic || field.IsFamily || field.IsFamilyOrAssembly:
                if (field.IsSpecialName) return null;
                var value = field.IsLiteral ? " = " + Literal(field.GetRawConstantValue()) : "";
                var kind = field.IsLiteral ? "const " : (field.IsStatic ? "static " : "") + (field.IsInitOnly ? "readonly " : "");
                return $"{typeName}.{(field.IsPublic ? "" : "protected ")}{kind}{field.Name} -> {Name(field.FieldType, nullability.Create(field))}{value}{Hidden(field)}";
            case EventInfo evt when evt.AddMethod is { } add && Visible(add):
                return $"{typeName}.{Access(add)}{Modifiers(add)}event {evt.Name} -> {Name(evt.EventHandlerType!, nullability.Create(evt))}{Hidden(evt)}";
            default:
                return null;
        }
    }

    private static bool Visible(MethodBase method) => method.IsPublic || method.IsFamily || method.IsFamilyOrAssembly;

    private static string Access(MethodBase method) => method.IsPublic ? "" : "protected ";

    private static string Modifiers(MethodInfo method)
    {
        if (method.IsStatic) return "static ";
        if (method.IsAbstract) return "abstract ";
        var overrides = method.GetBaseDefinition() != method;
        if (overrides) return method.IsFinal ? "sealed override " : "override ";
        return method.IsVirtual && !method.IsFinal && !(method.DeclaringType?.IsInterface ?? false) ? "virtual " : "";
    }

    private static string TypeKind(Type type)
    {
        if (type.IsEnum) return "enum";
        if (type.IsInterface) return "interface";
        if (IsDelegate(type)) return "delegate";
        var record = type.IsValueType ? IsRecordStruct(type) : type.GetMethod("<Clone>$") is not null;
        if (type.IsValueType) return (type.IsDefined(typeof(IsReadOnlyAttribute), false) ? "readonly " : "") + (record ? "record struct" : "struct");
        var modifier = type.IsAbstract && type.IsSealed ? "static " : type.IsAbstract ? "abstract " : type.IsSealed ? "sealed " : "";
        return modifier + (record ? "record" : "class");
    }

    // A record struct has a compiler-generated PrintMembers; a plain struct does not.
    private static bool IsRecordStruct(Type type) => type.GetMethod("PrintMembers", Declared) is { } m && m.IsDefined(typeof(CompilerGeneratedAttribute), false);

    private static bool IsDelegate(Type type) => typeof(Delegate).IsAssignableFrom(type) && type != typeof(Delegate) && type != typeof(MulticastDelegate);

    private static string Bases(Type type)
    {
        var bases = new List<string>();
        if (type.BaseType is { } baseType && baseType != typeof(object) && baseType != typeof(ValueType) && baseType != typeof(Enum) && !IsDelegate(type))
            bases.Add(Name(baseType, null));
        var inherited = type.BaseType?.GetInterfaces() ?? [];
        bases.AddRange(type.GetInterfaces().Where(i => !inherited.Contains(i) && (i.IsPublic || i.IsNestedPublic)).Select(i => Name(i, null)).Order(StringComparer.Ordinal));
        return bases.Count == 0 ? "" : " : " + string.Join(", ", bases);
    }

    private static string Hidden(MemberInfo member) =>
        member.GetCustomAttribute<EditorBrowsableAttribute>() is { State: EditorBrowsableState.Never } ? " [EditorBrowsable(Never)]" : "";

    private static string Parameters(MethodBase method, NullabilityInfoContext nullability) => string.Join(", ", method.GetParameters().Select(p =>
    {
        var type = p.ParameterType;
        var prefix = "";
        if (type.IsByRef)
        {
            prefix = p.IsOut ? "out " : p.IsIn ? "in " : "ref ";
            type = type.GetElementType()!;
        }
        if (p.IsDefined(typeof(ParamArrayAttribute), false)) prefix = "params ";
        var text = $"{prefix}{Name(type, type == p.ParameterType ? nullability.Create(p) : null)} {p.Name}";
        return p.HasDefaultValue ? text + " = " + (p.RawDefaultValue is null && type.IsValueType && Nullable.GetUnderlyingType(type) is null ? "default" : Literal(p.RawDefaultValue)) : text;
    }));

    private static string Literal(object? value) => value switch
    {
        null => "null",
        string s => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"",
        bool b => b ? "true" : "false",
        char c => "'" + c + "'",
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>The C# name of <paramref name="type"/>, with <c>?</c> where the annotation says nullable.</summary>
    private static string Name(Type type, NullabilityInfo? info)
    {
        if (Nullable.GetUnderlyingType(type) is { } underlying) return Name(underlying, null) + "?";
        string text;
        if (type.IsArray)
        {
            text = Name(type.GetElementType()!, info?.ElementType) + "[" + new string(',', type.GetArrayRank() - 1) + "]";
        }
        else if (type.IsGenericParameter)
        {
            text = type.Name;
        }
        else if (s_keywords.TryGetValue(type, out var keyword))
        {
            text = keyword;
        }
        else
        {
            var full = (type.IsNested ? Name(type.DeclaringType!, null) + "." : type.Namespace is { Length: > 0 } ns ? ns + "." : "") + type.Name;
            var tick = full.IndexOf('`', StringComparison.Ordinal);
            if (tick >= 0) full = full[..tick];
            if (type.IsGenericType)
            {
                var arguments = type.GetGenericArguments();
                var own = type.IsNested ? arguments.Skip(type.DeclaringType!.GetGenericArguments().Length).ToArray() : arguments;
                if (own.Length > 0)
                {
                    var argumentInfos = info?.GenericTypeArguments;
                    var offset = arguments.Length - own.Length;
                    full += "<" + string.Join(", ", own.Select((a, i) => Name(a, argumentInfos is { } infos && infos.Length > offset + i ? infos[offset + i] : null))) + ">";
                }
            }
            text = full;
        }
        return !type.IsValueType && info?.ReadState == NullabilityState.Nullable ? text + "?" : text;
    }

    /// <summary>The listing as the baseline file stores it.</summary>
    public static string Text(IEnumerable<string> lines)
    {
        var sb = new StringBuilder();
        foreach (var line in lines) sb.Append(line).Append('\n');
        return sb.ToString();
    }
}
