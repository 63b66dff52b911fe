using System.Buffers;
using System.Text.Json;
using Klaviyo.Destinations.Mapping;

namespace Klaviyo.Destinations.Rules;

/// <summary>
/// Segment's Order Completed rule: besides "Placed Order", one "Ordered Product" event per product, with
/// <c>unique_id</c> <c>{orderId}_{productId|id|sku}</c>, <c>productUrl</c>/<c>imageUrl</c> renamed to
/// "Product URL"/"Image URL", and every other product property kept. A product without an id is rejected with a
/// reason; the order and its other products are still sent.
/// </summary>
internal static class EcommerceExpander
{
    private static readonly byte[] s_orderIdKey = System.Text.Encoding.UTF8.GetBytes(KlaviyoMappingTables.OrderIdKeys[0]);
    private static readonly byte[] s_orderIdName = System.Text.Encoding.UTF8.GetBytes("\"" + KlaviyoMappingTables.OrderIdKeys[0] + "\":");
    private static readonly byte[] s_priceKey = System.Text.Encoding.UTF8.GetBytes(KlaviyoMappingTables.ProductPriceKey);
    private static readonly byte[] s_quantityKey = System.Text.Encoding.UTF8.GetBytes(KlaviyoMappingTables.ProductQuantityKey);

    /// <summary>Reused per thread: the expansion of one order at a time.</summary>
    [ThreadStatic] private static ArrayBufferWriter<byte>? t_buffer;

    /// <remarks>
    /// The products array was located by <see cref="OrderFacts.Read"/> in its scan of the order. Reads
    /// <paramref name="orderProperties"/> (JSON this SDK has just written, compact and valid) with a
    /// <see cref="Utf8JsonReader"/> and splices each product's bytes into its event: names and values are copied as
    /// written, so the bytes are those a parse and re-write would give, without building a document.
    /// </remarks>
    public static void ExpandOrderedProducts(AnalyticsMessage message, byte[] orderProperties, OrderFacts order, string orderUniqueId,
        byte[] profile, string userKey, DateTimeOffset time, string? currency, MappingResult result)
    {
        if (!order.HasProducts) return;
        int productsStart = order.ProductsStart, productsEnd = order.ProductsEnd;
        var prefix = order.OrderId ?? orderUniqueId;
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(512);
        byte[]? orderIdValue = null;
        var reader = new Utf8JsonReader(orderProperties.AsSpan(productsStart, productsEnd - productsStart));
        reader.Read(); // [
        var index = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            var position = index++;
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                result.Rejections.Add(MessageMapper.Outcome(message, ItemKind.Event, DeliveryStatus.Rejected,
                    $"products[{position}] is not an object; its Ordered Product event was not sent.", $"products[{position}]", null, []));
                continue;
            }
            var product = ReadProduct(ref reader, orderProperties.AsSpan(productsStart, productsEnd - productsStart), buffer);
            if (product.Key is null)
            {
                result.Rejections.Add(MessageMapper.Outcome(message, ItemKind.Event, DeliveryStatus.Rejected,
                    $"products[{position}] has no productId, id or sku, which its Ordered Product event needs for a unique_id; it was not sent (the order and the other products were).",
                    $"products[{position}]", null, []));
                continue;
            }
            if (order.OrderId is { } orderId && !product.HasOrderId)
            {
                orderIdValue ??= EncodedString(orderId);
                if (product.HasProperties) buffer.Write(","u8);
                buffer.Write(s_orderIdName);
                buffer.Write(orderIdValue);
            }
            buffer.Write("}"u8);

            IReadOnlyList<MappingIssue> productWarnings = [];
            var productUniqueId = MessageTextRules.Bound(prefix + "_" + product.Key, ref productWarnings);
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
                Value = product.Price is { } p ? p * (product.Quantity ?? 1) : null,
                Currency = currency,
                Backfill = message.Options.Backfill,
                AcceptedAt = message.Timestamp,
            });
        }
    }

    private readonly record struct Product(string? Key, bool HasOrderId, bool HasProperties, double? Price, double? Quantity);

    /// <summary>
    /// Copies one product object (the reader is on its <c>{</c>) into <paramref name="buffer"/> with the renames
    /// applied, leaving it open for the <c>orderId</c>; reads its id, price and quantity. As a parsed document would:
    /// a repeated name's last value counts for the id, the last number for price and quantity.
    /// </summary>
    private static Product ReadProduct(ref Utf8JsonReader reader, ReadOnlySpan<byte> json, ArrayBufferWriter<byte> buffer)
    {
        buffer.ResetWrittenCount();
        buffer.Write("{"u8);
        var idKeys = KlaviyoMappingTables.ProductIdKeys;
        Span<int> idValues = stackalloc int[4];
        Span<int> idEnds = stackalloc int[4];
        idValues.Fill(-1);
        double? price = null, quantity = null;
        bool hasOrderId = false, first = true;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var nameStart = (int)reader.TokenStartIndex;
            var nameEnd = (int)reader.BytesConsumed;
            var renamed = Rename(ref reader);
            var idKey = idKeys.Count <= idValues.Length ? IdKeyIndex(ref reader, idKeys) : -1;
            var isPrice = reader.ValueTextEquals(s_priceKey);
            var isQuantity = !isPrice && reader.ValueTextEquals(s_quantityKey);
            hasOrderId |= reader.ValueTextEquals(s_orderIdKey);
            reader.Read();
            var valueStart = (int)reader.TokenStartIndex;
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray) reader.Skip();
            var valueEnd = (int)reader.BytesConsumed;

            if (!first) buffer.Write(","u8);
            first = false;
            if (renamed is null) buffer.Write(json[nameStart..nameEnd]);
            else buffer.Write(renamed);
            buffer.Write(json[valueStart..valueEnd]);

            if (idKey >= 0)
            {
                idValues[idKey] = valueStart;
                idEnds[idKey] = valueEnd;
            }
            if (reader.TokenType == JsonTokenType.Number)
            {
                if (isPrice) price = reader.GetDouble();
                else if (isQuantity) quantity = reader.GetDouble();
            }
        }
        string? key = null;
        for (var i = 0; i < idKeys.Count && i < idValues.Length && key is null; i++)
        {
            if (idValues[i] < 0) continue;
            var valueReader = new Utf8JsonReader(json[idValues[i]..idEnds[i]]);
            valueReader.Read();
            var text = valueReader.TokenType switch
            {
                JsonTokenType.String => JsonText.TryGet(ref valueReader, out var s) ? s : null,
                JsonTokenType.Number => System.Text.Encoding.UTF8.GetString(valueReader.ValueSpan),
                _ => null,
            };
            if (!string.IsNullOrWhiteSpace(text)) key = text;
        }
        return new Product(key, hasOrderId, !first, price, quantity);
    }

    private static int IdKeyIndex(ref Utf8JsonReader reader, IReadOnlyList<string> idKeys)
    {
        for (var i = 0; i < idKeys.Count; i++)
            if (reader.ValueTextEquals(idKeys[i])) return i;
        return -1;
    }

    /// <summary>The encoded <c>"New name":</c> when the property is renamed, else null.</summary>
    private static byte[]? Rename(ref Utf8JsonReader reader)
    {
        var renames = s_renames;
        for (var i = 0; i < renames.Length; i++)
            if (reader.ValueTextEquals(renames[i].From)) return renames[i].To;
        return null;
    }

    private static readonly (string From, byte[] To)[] s_renames = KlaviyoMappingTables.ProductPropertyRenames
        .Select(pair => (pair.Key, EncodedName(pair.Value))).ToArray();

    private static byte[] EncodedName(string name) => [.. EncodedString(name), (byte)':'];

    private static byte[] EncodedString(string value)
    {
        var output = new ArrayBufferWriter<byte>(value.Length + 8);
        using (var json = new Utf8JsonWriter(output, KlaviyoJson.WriterOptions)) json.WriteStringValue(value);
        return output.WrittenSpan.ToArray();
    }
}
