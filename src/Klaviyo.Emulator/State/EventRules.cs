using System.Globalization;
using System.Text.Json.Nodes;

namespace Klaviyo.Emulator.State;

/// <summary>Documented event limits beyond the schema: metric name &lt; 128 characters, ≤ 400 properties, a sane time.</summary>
internal static class EventRules
{
    public const int MaxMetricNameLength = 127;
    public const int MaxProperties = 400;
    private static readonly DateTimeOffset s_earliest = new(1990, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Checks one event's <c>attributes</c> object found at <paramref name="pointer"/>.</summary>
    public static void Check(JsonObject attributes, string pointer, DateTimeOffset now, List<KlaviyoApiError> errors)
    {
        var name = attributes["metric"]?["data"]?["attributes"]?["name"]?.GetValue<string>();
        if (name is not null && (name.Length == 0 || name.Length > MaxMetricNameLength))
        {
            errors.Add(Invalid(pointer + "/metric/data/attributes/name",
                name.Length == 0 ? "The metric name may not be blank." : $"The metric name must be shorter than 128 characters; it has {name.Length}."));
        }

        if (attributes["properties"] is JsonObject properties && properties.Count > MaxProperties)
        {
            errors.Add(Invalid(pointer + "/properties", $"An event may have at most {MaxProperties} properties; it has {properties.Count}."));
        }

        if (attributes["time"]?.GetValue<string>() is { } text
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
            && (time < s_earliest || time > now.AddYears(1)))
        {
            errors.Add(Invalid(pointer + "/time", $"The event time '{text}' must be after 1990-01-01 and no more than one year in the future."));
        }
    }

    private static KlaviyoApiError Invalid(string pointer, string detail) =>
        new(400, "invalid", "Invalid input.", detail, Pointer: pointer);
}
