using System.Text.Json;

namespace Klaviyo.Destinations.Rules;

/// <summary>
/// What an order's mapped properties say about it, read in one pass: its ids (Segment:
/// <see cref="KlaviyoMappingTables.OrderIdKeys"/>, <see cref="KlaviyoMappingTables.EventIdKey"/>) and where its
/// <c>products</c> array is, for the Ordered Product expansion.
/// </summary>
internal readonly record struct OrderFacts(string? OrderId, string? EventId, int ProductsStart, int ProductsEnd)
{
    /// <summary>Whether the order has a top-level <c>products</c> array (the last <c>products</c> key, as a parsed document would).</summary>
    public bool HasProducts => ProductsEnd > ProductsStart;

    /// <remarks>
    /// Reads as <see cref="MappedProperties.FirstText"/> would for each id (per key its first string or number value; of
    /// the keys, in their order, the first non-empty) and the last <c>products</c> value, in one scan of the top level.
    /// </remarks>
    public static OrderFacts Read(byte[] properties)
    {
        var orderIdKeys = KlaviyoMappingTables.OrderIdKeys;
        // Per order-id key only its first string or number value counts (a bit per key once seen); the id is the
        // non-empty one of the earliest key. No array: the tables have two keys (at most 32 are supported).
        var seen = 0u;
        string? orderId = null;
        var orderIdRank = int.MaxValue;
        string? eventId = null;
        bool eventIdFound = false;
        int productsStart = 0, productsEnd = 0;
        var productsIsArray = false;
        var reader = new Utf8JsonReader(properties);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return default;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var orderIdIndex = -1;
            for (var i = 0; i < orderIdKeys.Count && i < 32 && orderIdIndex < 0; i++)
                if (reader.ValueTextEquals(orderIdKeys[i])) orderIdIndex = i;
            var isEventId = reader.ValueTextEquals(KlaviyoMappingTables.EventIdKey);
            var isProducts = reader.ValueTextEquals(KlaviyoMappingTables.ProductsKey);
            reader.Read();
            if (isProducts)
            {
                productsIsArray = reader.TokenType == JsonTokenType.StartArray;
                productsStart = (int)reader.TokenStartIndex;
            }
            if (reader.TokenType is JsonTokenType.String or JsonTokenType.Number)
            {
                if (orderIdIndex >= 0 && (seen & (1u << orderIdIndex)) == 0)
                {
                    seen |= 1u << orderIdIndex;
                    if (orderIdIndex < orderIdRank && (reader.ValueSpan.Length > 0 || reader.ValueIsEscaped) && Text(ref reader) is { Length: > 0 } id)
                    {
                        orderId = id;
                        orderIdRank = orderIdIndex;
                    }
                }
                if (isEventId && !eventIdFound)
                {
                    eventId = Text(ref reader);
                    eventIdFound = true;
                }
            }
            else
            {
                reader.Skip();
            }
            if (isProducts) productsEnd = (int)reader.BytesConsumed;
        }
        if (!productsIsArray) productsStart = productsEnd = 0;
        return new(orderId, string.IsNullOrEmpty(eventId) ? null : eventId, productsStart, productsEnd);
    }

    private static string Text(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.String ? reader.GetString()! : System.Text.Encoding.UTF8.GetString(reader.ValueSpan);
}
