namespace Klaviyo.Destinations.Rules;

/// <summary>
/// The ids an order carries (Segment: <see cref="KlaviyoMappingTables.OrderIdKeys"/>,
/// <see cref="KlaviyoMappingTables.EventIdKey"/>), read from its mapped properties.
/// </summary>
internal readonly record struct OrderFacts(string? OrderId, string? EventId)
{
    private static readonly string[] s_eventIdKeys = [KlaviyoMappingTables.EventIdKey];

    public static OrderFacts Read(byte[] properties) =>
        new(MappedProperties.FirstText(properties, KlaviyoMappingTables.OrderIdKeys), MappedProperties.FirstText(properties, s_eventIdKeys));
}
