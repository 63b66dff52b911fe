using System.Text.Json;
using Klaviyo.Destinations.Mapping;

namespace Klaviyo.Destinations;

/// <summary>
/// JSON allows an object to name a key twice (<c>{"a":1,"a":2}</c>); Klaviyo's answer to such a body is undefined (a
/// server error at best). The top level of a <see cref="JsonElement"/> payload keeps the last value of each key, as
/// <see cref="JsonElement.TryGetProperty(string, out JsonElement)"/> and most parsers do, with a warning; a nested
/// object with a repeated or unreadable key is left out with a reason (<see cref="Problem"/>, used by the value checks).
/// </summary>
internal static class JsonDuplicateKeys
{
    /// <summary>The members of <paramref name="element"/> (an object), each key once with its last value; warns on <paramref name="writer"/> for each repeated key.</summary>
    public static IEnumerable<JsonProperty> LastWins(JsonElement element, KlaviyoPropertyWriter writer)
    {
        if (Problem(element) is null) return element.EnumerateObject();
        var last = new Dictionary<string, int>(StringComparer.Ordinal);
        var members = new List<JsonProperty>();
        foreach (var property in element.EnumerateObject())
        {
            if (!TryName(property, out _))
            {
                writer.AddIssue("(unreadable name)", $"A property name {JsonText.Unreadable}; the property was left out.");
                continue;
            }
            if (last.TryGetValue(property.Name, out var index))
            {
                members[index] = default;
                writer.AddIssue(property.Name, $"'{property.Name}' appears more than once in the JSON object; the last value was used.");
            }
            last[property.Name] = members.Count;
            members.Add(property);
        }
        return members.Where(m => m.Value.ValueKind != JsonValueKind.Undefined);
    }

    /// <summary>Why the keys of <paramref name="element"/> (an object) cannot be sent as they are (a key named twice, a name that cannot be read), or null.</summary>
    public static string? Problem(JsonElement element)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            if (!TryName(property, out var name)) return $"holds a key that {JsonText.Unreadable}";
            if (!seen.Add(name)) return $"holds an object that names the key '{name}' more than once";
        }
        return null;
    }

    private static bool TryName(JsonProperty property, out string name)
    {
        try
        {
            name = property.Name;
            return true;
        }
        catch (InvalidOperationException)
        {
            name = "";
            return false;
        }
    }
}
