using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Klaviyo.Destinations.Rules;

/// <summary>
/// Segment's Order Completed rule: besides "Placed Order", one "Ordered Product" event per product, with
/// <c>unique_id</c> <c>{orderId}_{productId|id|sku}</c>, <c>productUrl</c>/<c>imageUrl</c> renamed to
/// "Product URL"/"Image URL", and every other product property kept. A product without an id is rejected with a
/// reason; the order and its other products are still sent.
/// </summary>
internal static class EcommerceExpander
{
    public static void ExpandOrderedProducts(AnalyticsMessage message, byte[] orderProperties, OrderFacts order, string orderUniqueId,
        byte[] profile, string userKey, DateTimeOffset time, string? currency, MappingResult result)
    {
        using var document = JsonDocument.Parse(orderProperties);
        if (!document.RootElement.TryGetProperty(KlaviyoMappingTables.ProductsKey, out var products) || products.ValueKind != JsonValueKind.Array)
            return;
        var prefix = order.OrderId ?? orderUniqueId;
        var index = 0;
        var buffer = new ArrayBufferWriter<byte>(512);
        foreach (var product in products.EnumerateArray())
        {
            var position = index++;
            if (product.ValueKind != JsonValueKind.Object)
            {
                result.Rejections.Add(MessageMapper.Outcome(message, ItemKind.Event, DeliveryStatus.Rejected,
                    $"products[{position}] is not an object; its Ordered Product event was not sent.", $"products[{position}]", null, []));
                continue;
            }
            var productKey = ProductKey(product);
            if (productKey is null)
            {
                result.Rejections.Add(MessageMapper.Outcome(message, ItemKind.Event, DeliveryStatus.Rejected,
                    $"products[{position}] has no productId, id or sku, which its Ordered Product event needs for a unique_id; it was not sent (the order and the other products were).",
                    $"products[{position}]", null, []));
                continue;
            }

            buffer.ResetWrittenCount();
            double? price = null, quantity = null;
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                foreach (var property in product.EnumerateObject())
                {
                    json.WritePropertyName(Rename(property.Name));
                    property.Value.WriteTo(json);
                    if (property.Name == KlaviyoMappingTables.ProductPriceKey && property.Value.ValueKind == JsonValueKind.Number) price = property.Value.GetDouble();
                    if (property.Name == KlaviyoMappingTables.ProductQuantityKey && property.Value.ValueKind == JsonValueKind.Number) quantity = property.Value.GetDouble();
                }
                var orderIdKey = KlaviyoMappingTables.OrderIdKeys[0];
                if (order.OrderId is { } orderId && !product.TryGetProperty(orderIdKey, out _)) json.WriteString(orderIdKey, orderId);
                json.WriteEndObject();
            }

            IReadOnlyList<Mapping.MappingIssue> productWarnings = [];
            var productUniqueId = MessageTextRules.Bound(prefix + "_" + productKey, ref productWarnings);
            result.Items.Add(new QueuedItem
            {
                Kind = ItemKind.Event,
                Warnings = productWarnings,
                MessageId = message.MessageId,
                UserId = message.UserId,
                UserKey = userKey,
                Profile = profile,
                Properties = buffer.WrittenSpan.ToArray(),
                Metric = KlaviyoMappingTables.OrderedProductMetric,
                UniqueId = productUniqueId,
                Time = time,
                Value = price is { } p ? p * (quantity ?? 1) : null,
                Currency = currency,
                Backfill = message.Options.Backfill,
                AcceptedAt = message.Timestamp,
            });
        }
    }

    private static string? ProductKey(JsonElement product)
    {
        foreach (var key in KlaviyoMappingTables.ProductIdKeys)
        {
            if (!product.TryGetProperty(key, out var value)) continue;
            var text = value.ValueKind switch
            {
                JsonValueKind.String => Mapping.JsonText.TryGet(value, out var s) ? s : null,
                JsonValueKind.Number => value.GetRawText(),
                _ => null,
            };
            if (!string.IsNullOrWhiteSpace(text)) return text;
        }
        return null;
    }

    private static string Rename(string name)
    {
        foreach (var pair in KlaviyoMappingTables.ProductPropertyRenames)
            if (pair.Key == name) return pair.Value;
        return name;
    }
}
