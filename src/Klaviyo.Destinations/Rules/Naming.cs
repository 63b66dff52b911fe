using System.Text;

namespace Klaviyo.Destinations.Rules;

/// <summary>Name conversions used by the Klaviyo rules.</summary>
internal static class Naming
{
    /// <summary>Segment Personas' property naming: "Order Completed Last 30 Days" or "orderCompletedLast30Days" → <c>order_completed_last_30_days</c>.</summary>
    public static string ToSnakeCase(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var sb = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsLetterOrDigit(c))
            {
                var boundary = i > 0 && sb.Length > 0 && sb[^1] != '_' &&
                    ((char.IsUpper(c) && (char.IsLower(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1]) && char.IsUpper(name[i - 1]))))
                     || (char.IsDigit(c) && char.IsLetter(name[i - 1])));
                if (boundary) sb.Append('_');
                sb.Append(char.ToLowerInvariant(c));
            }
            else if (sb.Length > 0 && sb[^1] != '_')
            {
                sb.Append('_');
            }
        }
        while (sb.Length > 0 && sb[^1] == '_') sb.Length--;
        return sb.ToString();
    }
}
