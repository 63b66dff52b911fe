using Klaviyo.Destinations;

// One naming policy for the whole assembly, at every depth; table keys (orderId, sku, url) and explicit names keep their spelling.
[assembly: KlaviyoMappingOptions(PropertyNaming = PropertyNaming.CamelCase)]
