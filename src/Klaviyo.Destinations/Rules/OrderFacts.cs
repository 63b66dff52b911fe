using System.Text.Json;

namespace Klaviyo.Destinations.Rules;

/// <summary>The ids an order carries (Segment: <c>orderId</c>, <c>eventId</c>), read from its mapped properties.</summary>
internal readonly record struct OrderFacts(string? OrderId, string? EventId)
{
    public static OrderFacts Read(byte[] properties)
    {
        var reader = new Utf8JsonReader(properties);
        string? orderId = null, eventId = null;
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return default;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isOrder = reader.ValueTextEquals("orderId") || reader.ValueTextEquals("order_id");
            var isEvent = reader.ValueTextEquals("eventId");
            reader.Read();
            if ((isOrder || isEvent) && reader.TokenType is JsonTokenType.String or JsonTokenType.Number)
            {
                var text = reader.TokenType == JsonTokenType.String ? reader.GetString() : System.Text.Encoding.UTF8.GetString(reader.ValueSpan);
                if (isOrder) orderId ??= text;
                else eventId ??= text;
            }
            else
            {
                reader.Skip();
            }
        }
        return new OrderFacts(string.IsNullOrEmpty(orderId) ? null : orderId, string.IsNullOrEmpty(eventId) ? null : eventId);
    }
}
