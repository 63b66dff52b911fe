using System.Text;

namespace Klaviyo.Destinations.Generators;

/// <summary>Applies the assembly's <see cref="PropertyNaming"/> to a property name taken from a C# member name.</summary>
internal static class PropertyNames
{
    public static string Apply(string name, PropertyNaming naming) => naming switch
    {
        PropertyNaming.CamelCase => CamelCase(name),
        PropertyNaming.SnakeCase => SnakeCase(name),
        _ => name,
    };

    /// <summary><c>LoyaltyPoints</c> → <c>loyaltyPoints</c>, <c>URL</c> → <c>url</c>, <c>HTTPServer</c> → <c>httpServer</c>.</summary>
    public static string CamelCase(string name)
    {
        if (name.Length == 0 || !char.IsUpper(name[0])) return name;
        var chars = name.ToCharArray();
        for (var i = 0; i < chars.Length && char.IsUpper(chars[i]); i++)
        {
            // Keep the last capital of a run that starts the next word (HTTPServer → httpServer).
            if (i > 0 && i + 1 < chars.Length && char.IsLower(chars[i + 1])) break;
            chars[i] = char.ToLowerInvariant(chars[i]);
        }
        return new string(chars);
    }

    /// <summary><c>LoyaltyPoints</c> → <c>loyalty_points</c>, <c>HTTPServer</c> → <c>http_server</c>, <c>Line2</c> → <c>line2</c>.</summary>
    public static string SnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                var previous = i > 0 ? name[i - 1] : '_';
                var next = i + 1 < name.Length ? name[i + 1] : '_';
                var boundary = previous != '_' && (char.IsLower(previous) || char.IsDigit(previous) || (char.IsUpper(previous) && char.IsLower(next)));
                if (boundary) sb.Append('_');
                sb.Append(char.ToLowerInvariant(c));
            }
            else sb.Append(c);
        }
        return sb.ToString();
    }
}
