using System.Text.Json;
using Klaviyo.Destinations.Mapping;

namespace Klaviyo.Destinations;

/// <summary>
/// JSON allows an object to name a key twice (<c>{"a":1,"a":2}</c>); Klaviyo's answer to such a body is undefined (a
/// server error at best). The top level of a <see cref="JsonElement"/> payload keeps the last value of each key, as
/// <see cref="JsonElement.TryGetProperty(string, out JsonElement)"/> and most parsers do, with a warning; a nested
/// object with a repeated key is left out with a reason (<see cref="Find"/>, used by the value checks).
/// </summary>
internal static class JsonDuplicateKeys
{
    /// <summary>The members of <paramref name="element"/> (an object), each key once with its last value; warns on <paramref name="writer"/> for each repeated key.</summary>
    public static IEnumerable<JsonProperty> LastWins(JsonElement element, KlaviyoPropertyWriter writer)
    {
        if (Find(element) is null) return element.EnumerateObject();
        var last = new Dictionary<string, int>(StringComparer.Ordinal);
        var members = new List<JsonProperty>();
        foreach (var property in element.EnumerateObject())
        {
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

    /// <summary>The first key <paramref name="element"/> (an object) names twice, or null.</summary>
    public static string? Find(JsonElement element)
    {
        var count = 0;
        foreach (var _ in element.EnumerateObject()) count++;
        if (count < 2) return null;
        var seen = new HashSet<string>(count, StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
            if (!seen.Add(property.Name)) return property.Name;
        return null;
    }
}
