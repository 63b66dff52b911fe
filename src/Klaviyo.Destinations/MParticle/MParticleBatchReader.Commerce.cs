using System.Text.Json;

namespace Klaviyo.Destinations.MParticle;

public static partial class MParticleBatchReader
{
    /// <summary>mParticle product actions → Segment ecommerce event names (which the mapper turns into Klaviyo's metrics), and whether the event is per product.</summary>
    private static readonly Dictionary<string, (string Name, bool PerProduct)> s_productActions = new(StringComparer.Ordinal)
    {
        ["purchase"] = (KlaviyoMappingTables.OrderCompletedEvent, false),
        ["refund"] = ("Order Refunded", false),
        ["checkout"] = ("Checkout Started", false),
        ["checkout_option"] = ("Checkout Step Completed", false),
        ["add_to_cart"] = ("Product Added", true),
        ["remove_from_cart"] = ("Product Removed", true),
        ["view_detail"] = ("Product Viewed", true),
        ["click"] = ("Product Clicked", true),
        ["add_to_wishlist"] = ("Product Added to Wishlist", true),
        ["remove_from_wish_list"] = ("Product Removed from Wishlist", true),
    };

    private static List<MParticlePart> Commerce(long number, JsonElement body, string where, JsonElement? attributes, string messageId, DateTimeOffset? time, DateTimeOffset now, string? userId,
        Func<string, DateTimeOffset?, IReadOnlyDictionary<string, bool>?, MessageOptions> options)
    {
        var currency = Text(body, "currency_code", where + ".data.currency_code");
        if (Object(body, "product_action") is { } action)
        {
            var actionName = Name(action, "action", where + ".data.product_action.action");
            if (actionName is null || !s_productActions.TryGetValue(actionName, out var mapped))
                return [Refuse(number, where, $"product_action.action '{actionName}' is not one of {string.Join(", ", s_productActions.Keys)}")];
            if (!TryProducts(action, where + ".data.product_action.products", out var products, out var productError)) return [Refuse(number, where, productError!)];
            var properties = Copy(attributes);
            if (currency is not null) properties["currency"] = currency;
            if (mapped.PerProduct)
            {
                if (products.Count == 0) return [Refuse(number, where, $"a {actionName} product action needs at least one product")];
                var perProduct = new List<MParticlePart>(products.Count);
                for (var i = 0; i < products.Count; i++)
                {
                    var single = new Dictionary<string, object?>(properties, StringComparer.Ordinal);
                    foreach (var pair in products[i]) single[pair.Key] = pair.Value;
                    perProduct.Add(Message(number, MessageType.Track, userId, mapped.Name, MessagePayload.From(single),
                        options(products.Count == 1 ? messageId : messageId + "-" + i, time, null), now));
                }
                return perProduct;
            }
            foreach (var (from, to) in (ReadOnlySpan<(string, string)>)[("transaction_id", "order_id"), ("affiliation", "affiliation"), ("coupon_code", "coupon"), ("checkout_options", "checkout_options")])
                if (Text(action, from, where + ".data.product_action." + from) is { } text) properties[to] = text;
            foreach (var (from, to) in (ReadOnlySpan<(string, string)>)[("total_amount", "total"), ("tax_amount", "tax"), ("shipping_amount", "shipping")])
            {
                if (!TryAmount(action, from, where + ".data.product_action." + from, out var amount, out var amountError)) return [Refuse(number, where, amountError!)];
                if (amount is { } value) properties[to] = value;
            }
            if (action.TryGetProperty("checkout_step", out var step) && step.ValueKind == JsonValueKind.Number) properties["step"] = step;
            properties[KlaviyoMappingTables.ProductsKey] = products;
            return [Message(number, MessageType.Track, userId, mapped.Name, MessagePayload.From(properties), options(messageId, time, null), now)];
        }
        if (Object(body, "promotion_action") is { } promotion)
        {
            var actionName = Name(promotion, "action", where + ".data.promotion_action.action");
            var name = actionName switch { "view" => "Promotion Viewed", "click" => "Promotion Clicked", _ => null };
            if (name is null) return [Refuse(number, where, $"promotion_action.action '{actionName}' is not view or click")];
            var promotions = promotion.TryGetProperty("promotions", out var list) && list.ValueKind == JsonValueKind.Array ? list : default;
            if (promotions.ValueKind != JsonValueKind.Array || promotions.GetArrayLength() == 0) return [Refuse(number, where, "a promotion_action needs a promotions array with at least one promotion")];
            if (promotions.GetArrayLength() > MaxProducts) return [Refuse(number, where, $"promotion_action.promotions has {promotions.GetArrayLength():N0} entries; at most {MaxProducts:N0}")];
            var result = new List<MParticlePart>();
            var i = 0;
            foreach (var entry in promotions.EnumerateArray())
            {
                if (entry.ValueKind != JsonValueKind.Object) return [Refuse(number, where, $"promotion_action.promotions[{i}] must be an object")];
                var properties = Copy(attributes);
                foreach (var (from, to) in (ReadOnlySpan<(string, string)>)[("id", "promotion_id"), ("name", "name"), ("creative", "creative"), ("position", "position")])
                    if (Text(entry, from, $"{where}.data.promotion_action.promotions[{i}].{from}") is { } text) properties[to] = text;
                result.Add(Message(number, MessageType.Track, userId, name, MessagePayload.From(properties), options(promotions.GetArrayLength() == 1 ? messageId : messageId + "-" + i, time, null), now));
                i++;
            }
            return result;
        }
        if (body.TryGetProperty("product_impressions", out var impressions) && impressions.ValueKind == JsonValueKind.Array && impressions.GetArrayLength() > 0)
        {
            if (impressions.GetArrayLength() > MaxProducts) return [Refuse(number, where, $"product_impressions has {impressions.GetArrayLength():N0} lists; at most {MaxProducts:N0}")];
            var result = new List<MParticlePart>();
            var i = 0;
            foreach (var impression in impressions.EnumerateArray())
            {
                if (impression.ValueKind != JsonValueKind.Object) return [Refuse(number, where, $"product_impressions[{i}] must be an object")];
                if (!TryProducts(impression, $"{where}.data.product_impressions[{i}].products", out var products, out var productError)) return [Refuse(number, where, productError!)];
                var properties = Copy(attributes);
                if (Text(impression, "product_impression_list", $"{where}.data.product_impressions[{i}].product_impression_list") is { } listName) properties["list_id"] = listName;
                if (currency is not null) properties["currency"] = currency;
                properties[KlaviyoMappingTables.ProductsKey] = products;
                result.Add(Message(number, MessageType.Track, userId, "Product List Viewed", MessagePayload.From(properties), options(impressions.GetArrayLength() == 1 ? messageId : messageId + "-" + i, time, null), now));
                i++;
            }
            return result;
        }
        return [Refuse(number, where, "a commerce_event needs a product_action, a promotion_action or product_impressions")];
    }

    /// <summary>mParticle product fields → Segment product keys (id → product_id and sku); custom_attributes join the product.</summary>
    private static bool TryProducts(JsonElement owner, string path, out List<Dictionary<string, object?>> products, out string? error)
    {
        products = [];
        error = null;
        if (!owner.TryGetProperty("products", out var list) || list.ValueKind == JsonValueKind.Null) return true;
        if (list.ValueKind != JsonValueKind.Array)
        {
            error = $"{path} must be an array of products";
            return false;
        }
        if (list.GetArrayLength() > MaxProducts)
        {
            error = $"{path} has {list.GetArrayLength():N0} products; at most {MaxProducts:N0} are read per event";
            return false;
        }
        var i = 0;
        foreach (var product in list.EnumerateArray())
        {
            var at = $"{path}[{i++}]";
            if (product.ValueKind != JsonValueKind.Object)
            {
                error = $"{at} must be an object";
                return false;
            }
            var result = new Dictionary<string, object?>(StringComparer.Ordinal);
            if (Object(product, "custom_attributes") is { } custom)
                foreach (var member in custom.EnumerateObject()) result[member.Name] = member.Value;
            if (Text(product, "id", at + ".id") is { } id)
            {
                result["product_id"] = id;
                result["sku"] = id;
            }
            foreach (var key in (ReadOnlySpan<string>)["name", "brand", "category", "variant"])
                if (Text(product, key, at + "." + key) is { } text) result[key] = text;
            if (Text(product, "coupon_code", at + ".coupon_code") is { } coupon) result["coupon"] = coupon;
            foreach (var key in (ReadOnlySpan<string>)["price", "quantity", "position", "total_product_amount"])
            {
                if (!TryAmount(product, key, at + "." + key, out var amount, out error)) return false;
                if (amount is { } value) result[key] = value;
            }
            products.Add(result);
        }
        return true;
    }

    /// <summary>A decimal field that mParticle allows as a number or a numeric string (the documented examples use strings).</summary>
    private static bool TryAmount(JsonElement owner, string name, string path, out decimal? amount, out string? error)
    {
        amount = null;
        error = null;
        if (!owner.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return true;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out var number))
        {
            amount = number;
            return true;
        }
        if (value.ValueKind == JsonValueKind.String)
        {
            var text = value.GetString();
            if (string.IsNullOrWhiteSpace(text)) return true;
            if (decimal.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out number))
            {
                amount = number;
                return true;
            }
        }
        error = $"{path} must be a number, not {Shorten(value.GetRawText())}";
        return false;
    }
}
