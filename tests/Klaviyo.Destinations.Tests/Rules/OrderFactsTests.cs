using System.Text;
using System.Text.Json;
using Klaviyo.Destinations.Rules;

namespace Klaviyo.Destinations.Tests.Rules;

/// <summary>
/// Issue 14: an order's ids and its products array are read in one scan (<see cref="OrderFacts.Read"/>). The ids must
/// be what the general reader (<see cref="MappedProperties.FirstText"/>, one scan per key set) gives, and the products
/// what a parsed document gives (the last <c>products</c> key), on awkward orders: repeated keys, empty, numeric and
/// escaped ids, a products value that is not an array.
/// </summary>
public sealed class OrderFactsTests
{
    public static TheoryData<string> Orders => new()
    {
        """{"orderId":"o-1","eventId":"e-1","products":[{"id":"a"}]}""",
        """{"order_id":"o-2","orderId":"o-1"}""",
        """{"orderId":"","order_id":"o-2"}""",
        """{"orderId":"","orderId":"o-late","order_id":"o-2"}""",
        """{"orderId":null,"orderId":"o-after-null"}""",
        """{"orderId":{"x":1},"order_id":[1,2],"orderId":123.50}""",
        """{"order_id":42,"eventId":"","eventId":"e-late"}""",
        """{"orderId":"o\u002B1\u00e9","eventId":7}""",
        """{"products":[{"id":"a"}],"products":"not an array"}""",
        """{"products":"first","products":[{"id":"b"},{"sku":"c"}],"orderId":"o"}""",
        """{"products":{"id":"a"}}""",
        """{"total":3,"nested":{"orderId":"inner","products":[1]}}""",
        """{}""",
        """[]""",
    };

    [Theory]
    [MemberData(nameof(Orders))]
    public void One_scan_reads_the_ids_and_products_the_general_readers_read(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var facts = OrderFacts.Read(bytes);
        Assert.Equal(MappedProperties.FirstText(bytes, KlaviyoMappingTables.OrderIdKeys), facts.OrderId);
        Assert.Equal(MappedProperties.FirstText(bytes, [KlaviyoMappingTables.EventIdKey]), facts.EventId);

        string? products = null;
        using (var document = JsonDocument.Parse(json))
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty(KlaviyoMappingTables.ProductsKey, out var value) && value.ValueKind == JsonValueKind.Array)
                products = value.GetRawText();
        Assert.Equal(products, facts.HasProducts ? json[facts.ProductsStart..facts.ProductsEnd] : null);
    }
}
