using System.Text;
using Microsoft.CodeAnalysis;

namespace Klaviyo.Destinations.Generators.Parsing;

/// <summary>
/// Collision-proof names for generated types, methods and files. A type's identity is spelled like a metadata name
/// (namespace segments joined by <c>.</c>, containing types by <c>+</c>, generic arity as <c>`n</c>), then escaped into
/// an identifier with a prefix-free code: letters and digits stay, <c>_</c> → <c>_u</c>, <c>.</c> → <c>_d</c>,
/// <c>+</c> → <c>_n</c>, <c>`</c> → <c>_g</c>, anything else → <c>_x</c> and four hex digits. Every <c>_</c> of the
/// result starts a two-character code, so two different identities never give the same name
/// (<c>Outer.Customer</c> → <c>Outer_nCustomer</c>, <c>Outer_Customer</c> → <c>Outer_uCustomer</c>).
/// </summary>
internal static class GeneratedNames
{
    /// <summary>The type and its containing types, e.g. <c>Outer+Inner`1</c> (no namespace).</summary>
    public static string NestedIdentity(INamedTypeSymbol type)
    {
        var name = Segment(type);
        for (var t = type.ContainingType; t is not null; t = t.ContainingType) name = Segment(t) + "+" + name;
        return name;
    }

    /// <summary>The namespace, containing types and type, e.g. <c>Shop.Outer+Inner</c>.</summary>
    public static string FullIdentity(ITypeSymbol type)
    {
        if (type is not INamedTypeSymbol named) return type.ToDisplayString();
        var ns = named.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() + "." : "";
        return ns + NestedIdentity(named);
    }

    /// <summary>The generated mapper's class name (it lives in the model's namespace).</summary>
    public static string MapperName(INamedTypeSymbol type, MapperKind kind) =>
        Escape(NestedIdentity(type)) + (kind == MapperKind.Profile ? "_KlaviyoProfileMapper" : "_KlaviyoEventMapper");

    /// <summary>The file name: <c>{Namespace}.{Outer+Inner}.KlaviyoProfileMapper.g.cs</c>; <c>+</c> marks nesting.</summary>
    public static string HintName(INamedTypeSymbol type, MapperKind kind) =>
        FullIdentity(type) + (kind == MapperKind.Profile ? ".KlaviyoProfileMapper.g.cs" : ".KlaviyoEventMapper.g.cs");

    /// <summary>A key for a helper method (nested object writer, enum namer) of one type.</summary>
    public static string HelperKey(ITypeSymbol type) => Escape(FullIdentity(type));

    public static string Escape(string identity)
    {
        var sb = new StringBuilder(identity.Length + 8);
        foreach (var c in identity)
        {
            switch (c)
            {
                case '_': sb.Append("_u"); break;
                case '.': sb.Append("_d"); break;
                case '+': sb.Append("_n"); break;
                case '`': sb.Append("_g"); break;
                default:
                    if (char.IsLetterOrDigit(c)) sb.Append(c);
                    else sb.Append("_x").Append(((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
                    break;
            }
        }
        return sb.ToString();
    }

    private static string Segment(INamedTypeSymbol type) =>
        type.Arity == 0 ? type.Name : type.Name + "`" + type.Arity.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
