using System.Collections.Generic;

namespace Klaviyo.Destinations;

/// <summary>
/// The mapping tables of Klaviyo.Destinations, declared once. The source generator compiles them into
/// <c>switch</c>-based mappers, the analyzers use them to decide whether a trait is mapped, and the runtime and
/// the docs read them from here. Keys are exact (case-sensitive), as they appear in a traits or properties
/// dictionary, except <c>$</c>-prefixed keys, which match without regard to case (see <see cref="KlaviyoKeys"/>;
/// their rows are spelled in lower case). Typed model members match a key by convention when their name equals a
/// key without its underscores, case-insensitively (<c>FirstName</c> ≙ <c>firstName</c>/<c>first_name</c>);
/// <c>$</c>-prefixed keys are for dictionaries and <c>[Trait]</c> only. Klaviyo's own limits live in
/// <see cref="KlaviyoLimits"/>.
/// </summary>
public static class KlaviyoMappingTables
{
    private const TraitSource Seg = TraitSource.Segment;
    private const TraitSource MP = TraitSource.MParticle;
    private const TraitSource Amp = TraitSource.Amperity;
    private const TraitSource Kl = TraitSource.Klaviyo;

    /// <summary>The key of the nested Segment <c>address</c> trait whose members fill <c>location</c>.</summary>
    public const string AddressKey = "address";

    /// <summary>The key of the Segment <c>company</c> trait; a string or an object whose <c>name</c> fills <c>organization</c>.</summary>
    public const string CompanyKey = "company";

    /// <summary>The member of a Segment <c>company</c> object (and of a group's traits) that names the organization.</summary>
    public const string CompanyNameKey = "name";

    /// <summary>The key of Amperity's <c>properties</c> parameter, whose entries are merged into <c>properties</c>.</summary>
    public const string PropertiesKey = "properties";

    /// <summary>The Klaviyo metric for each product of an expanded order.</summary>
    public const string OrderedProductMetric = "Ordered Product";

    /// <summary>The Segment spec event expanded into one <see cref="OrderedProductMetric"/> event per product.</summary>
    public const string OrderCompletedEvent = "Order Completed";

    /// <summary>The order property that holds the product list.</summary>
    public const string ProductsKey = "products";

    /// <summary>The order property (Segment) whose id takes precedence over the order id as the Placed Order <c>unique_id</c>.</summary>
    public const string EventIdKey = "eventId";

    /// <summary>The product property holding the unit price (an Ordered Product's <c>value</c> is price × quantity).</summary>
    public const string ProductPriceKey = "price";

    /// <summary>The product property holding the quantity (1 when absent).</summary>
    public const string ProductQuantityKey = "quantity";

    /// <summary>
    /// The event property whose email also identifies the event's profile (Segment: Klaviyo gets the email "if you
    /// provide email as one of your event properties"). It stays an event property too.
    /// </summary>
    public const string EventEmailKey = "email";

    /// <summary>The custom profile property that carries the userId when email is the primary identifier (Segment: <c>id</c>).</summary>
    public const string UserIdProperty = "id";

    /// <summary>The custom profile property a Group call sets to the group id.</summary>
    public const string GroupIdProperty = "group_id";

    /// <summary>The event property that carries the page or screen name of a Page/Screen call.</summary>
    public const string PageNameProperty = "name";

    /// <summary>Segment's event for a person joining an audience (changes list membership with <c>AudienceLists</c>).</summary>
    public const string AudienceEnteredEvent = "Audience Entered";

    /// <summary>Segment's event for a person leaving an audience.</summary>
    public const string AudienceExitedEvent = "Audience Exited";

    /// <summary>Properties of an audience event that name the audience, tried in order.</summary>
    public static IReadOnlyList<string> AudienceNameKeys { get; } = new[] { "audience", "audience_name", "audienceName" };

    /// <summary>Identify traits → profile fields (Segment spec traits, mParticle <c>$</c> attributes, Amperity parameters).</summary>
    public static IReadOnlyList<TraitMapping> ProfileTraits { get; } = new[]
    {
        new TraitMapping("email", ProfileField.Email, Seg | Amp),
        new TraitMapping("phone", ProfileField.PhoneNumber, Seg),
        new TraitMapping("phoneNumber", ProfileField.PhoneNumber, Seg),
        new TraitMapping("phone_number", ProfileField.PhoneNumber, Amp),
        new TraitMapping("external_id", ProfileField.ExternalId, Amp),
        new TraitMapping("externalId", ProfileField.ExternalId, Kl),
        new TraitMapping("firstName", ProfileField.FirstName, Seg),
        new TraitMapping("first_name", ProfileField.FirstName, Amp),
        new TraitMapping("$firstname", ProfileField.FirstName, MP),
        new TraitMapping("lastName", ProfileField.LastName, Seg),
        new TraitMapping("last_name", ProfileField.LastName, Amp),
        new TraitMapping("$lastname", ProfileField.LastName, MP),
        new TraitMapping("title", ProfileField.Title, Seg | Amp),
        new TraitMapping("$title", ProfileField.Title, MP),
        new TraitMapping("organization", ProfileField.Organization, Seg | Amp),
        new TraitMapping("$organization", ProfileField.Organization, MP),
        new TraitMapping(CompanyKey, ProfileField.Organization, Seg),
        new TraitMapping("avatar", ProfileField.Image, Seg),
        new TraitMapping("image", ProfileField.Image, Amp),
        new TraitMapping("$image", ProfileField.Image, MP),
        new TraitMapping("locale", ProfileField.Locale, Kl),
        new TraitMapping("address1", ProfileField.Address1, Amp),
        new TraitMapping("$address", ProfileField.Address1, MP),
        new TraitMapping("address2", ProfileField.Address2, Amp),
        new TraitMapping("$address2", ProfileField.Address2, MP),
        new TraitMapping("city", ProfileField.City, Seg | Amp),
        new TraitMapping("$city", ProfileField.City, MP),
        new TraitMapping("region", ProfileField.Region, Seg | Amp),
        new TraitMapping("state", ProfileField.Region, Seg),
        new TraitMapping("$state", ProfileField.Region, MP),
        new TraitMapping("country", ProfileField.Country, Seg | Amp),
        new TraitMapping("$country", ProfileField.Country, MP),
        new TraitMapping("zip", ProfileField.Zip, Seg | Amp),
        new TraitMapping("postalCode", ProfileField.Zip, Seg),
        new TraitMapping("postal_code", ProfileField.Zip, Seg),
        new TraitMapping("$zip", ProfileField.Zip, MP),
        new TraitMapping("timezone", ProfileField.Timezone, Seg | Amp),
        new TraitMapping("$timezone", ProfileField.Timezone, MP),
        new TraitMapping("latitude", ProfileField.Latitude, Amp),
        new TraitMapping("$latitude", ProfileField.Latitude, MP),
        new TraitMapping("longitude", ProfileField.Longitude, Amp),
        new TraitMapping("$longitude", ProfileField.Longitude, MP),
        new TraitMapping("ip", ProfileField.Ip, Amp),

        // Klaviyo's legacy special properties ($ keys match without regard to case: $First_Name, $FIRST_NAME).
        new TraitMapping("$email", ProfileField.Email, Kl),
        new TraitMapping("$phone_number", ProfileField.PhoneNumber, Kl),
        new TraitMapping("$id", ProfileField.ExternalId, Kl),
        new TraitMapping("$first_name", ProfileField.FirstName, Kl | MP),
        new TraitMapping("$last_name", ProfileField.LastName, Kl | MP),
        new TraitMapping("$address1", ProfileField.Address1, Kl),
        new TraitMapping("$region", ProfileField.Region, Kl | MP),
        new TraitMapping("$locale", ProfileField.Locale, Kl),
        new TraitMapping("$ip", ProfileField.Ip, Kl),

        // mParticle's reserved user attributes beyond the legacy names ($FirstName, $Mobile, $State, $Address…).
        new TraitMapping("$mobile", ProfileField.PhoneNumber, MP),
    };

    /// <summary>
    /// Segment <c>context</c> fields → profile fields, on Identify and on each event's profile, when the traits do not
    /// set the field themselves.
    /// </summary>
    public static IReadOnlyList<TraitMapping> ContextTraits { get; } = new[]
    {
        new TraitMapping("ip", ProfileField.Ip, Seg),
        new TraitMapping("timezone", ProfileField.Timezone, Seg),
        new TraitMapping("locale", ProfileField.Locale, Seg),
    };

    /// <summary>Members of the nested Segment <c>address</c> trait → location fields.</summary>
    public static IReadOnlyList<TraitMapping> AddressTraits { get; } = new[]
    {
        new TraitMapping("street", ProfileField.Address1, Seg),
        new TraitMapping("address1", ProfileField.Address1, Kl),
        new TraitMapping("street2", ProfileField.Address2, Kl),
        new TraitMapping("address2", ProfileField.Address2, Kl),
        new TraitMapping("city", ProfileField.City, Seg),
        new TraitMapping("state", ProfileField.Region, Seg),
        new TraitMapping("region", ProfileField.Region, Kl),
        new TraitMapping("country", ProfileField.Country, Seg),
        new TraitMapping("postalCode", ProfileField.Zip, Seg),
        new TraitMapping("postal_code", ProfileField.Zip, Kl),
        new TraitMapping("zip", ProfileField.Zip, Kl),
        new TraitMapping("latitude", ProfileField.Latitude, Kl),
        new TraitMapping("longitude", ProfileField.Longitude, Kl),
    };

    /// <summary>
    /// Names that are close to a profile field but not in <see cref="ProfileTraits"/>: the analyzers offer them as
    /// "did you mean" fixes (<c>GivenName</c> → first_name). Never applied silently.
    /// </summary>
    public static IReadOnlyList<TraitMapping> ProfileSynonyms { get; } = new[]
    {
        new TraitMapping("emailAddress", ProfileField.Email, Kl),
        new TraitMapping("mail", ProfileField.Email, Kl),
        new TraitMapping("mobile", ProfileField.PhoneNumber, Kl),
        new TraitMapping("mobilePhone", ProfileField.PhoneNumber, Kl),
        new TraitMapping("mobileNumber", ProfileField.PhoneNumber, Kl),
        new TraitMapping("cell", ProfileField.PhoneNumber, Kl),
        new TraitMapping("telephone", ProfileField.PhoneNumber, Kl),
        new TraitMapping("givenName", ProfileField.FirstName, Kl),
        new TraitMapping("forename", ProfileField.FirstName, Kl),
        new TraitMapping("surname", ProfileField.LastName, Kl),
        new TraitMapping("familyName", ProfileField.LastName, Kl),
        new TraitMapping("jobTitle", ProfileField.Title, Kl),
        new TraitMapping("companyName", ProfileField.Organization, Kl),
        new TraitMapping("employer", ProfileField.Organization, Kl),
        new TraitMapping("photo", ProfileField.Image, Kl),
        new TraitMapping("picture", ProfileField.Image, Kl),
        new TraitMapping("imageUrl", ProfileField.Image, Kl),
        new TraitMapping("avatarUrl", ProfileField.Image, Kl),
        new TraitMapping("language", ProfileField.Locale, Kl),
        new TraitMapping("culture", ProfileField.Locale, Kl),
        new TraitMapping("street", ProfileField.Address1, Kl),
        new TraitMapping("addressLine1", ProfileField.Address1, Kl),
        new TraitMapping("addressLine2", ProfileField.Address2, Kl),
        new TraitMapping("town", ProfileField.City, Kl),
        new TraitMapping("province", ProfileField.Region, Kl),
        new TraitMapping("county", ProfileField.Region, Kl),
        new TraitMapping("countryCode", ProfileField.Country, Kl),
        new TraitMapping("postCode", ProfileField.Zip, Kl),
        new TraitMapping("zipCode", ProfileField.Zip, Kl),
        new TraitMapping("timeZoneId", ProfileField.Timezone, Kl),
        new TraitMapping("lat", ProfileField.Latitude, Kl),
        new TraitMapping("lng", ProfileField.Longitude, Kl),
        new TraitMapping("lon", ProfileField.Longitude, Kl),
        new TraitMapping("ipAddress", ProfileField.Ip, Kl),
        new TraitMapping("customerId", ProfileField.ExternalId, Kl),
        new TraitMapping("userId", ProfileField.ExternalId, Kl),
    };

    /// <summary>
    /// Track properties that fill top-level event attributes (legacy <c>$</c> names, Segment's <c>revenue</c>, and
    /// <c>value</c>/<c>timestamp</c>). A typed event member matching a row by name fills the attribute when its type can
    /// (a number for value, a DateTime/DateTimeOffset for time); otherwise it stays an ordinary property.
    /// </summary>
    public static IReadOnlyList<EventFieldMapping> EventFields { get; } = new[]
    {
        new EventFieldMapping("$event_id", EventField.UniqueId, keepAsProperty: false, MP),
        new EventFieldMapping("$value", EventField.Value, keepAsProperty: false, MP),
        new EventFieldMapping("revenue", EventField.Value, keepAsProperty: true, Seg),
        new EventFieldMapping("currency", EventField.ValueCurrency, keepAsProperty: true, Seg),
        new EventFieldMapping("value", EventField.Value, keepAsProperty: true, Kl),
        new EventFieldMapping("timestamp", EventField.Time, keepAsProperty: true, Kl),
    };

    /// <summary>
    /// Segment ecommerce spec events → the Klaviyo metric names Klaviyo's ecommerce analytics look for, and the
    /// spec properties that give the event its <c>value</c> when no <see cref="EventFields"/> key (<c>$value</c>,
    /// <c>revenue</c>) did, tried in order. The same value keys apply when the Klaviyo metric name is sent directly.
    /// </summary>
    public static IReadOnlyList<EventNameMapping> EcommerceEvents { get; } = new[]
    {
        new EventNameMapping(OrderCompletedEvent, "Placed Order", "total", "value"),
        new EventNameMapping("Product Viewed", "Viewed Product", "value", ProductPriceKey),
        new EventNameMapping("Product Added", "Added to Cart", "value", ProductPriceKey),
        new EventNameMapping("Checkout Started", "Started Checkout", "value", "total"),
        new EventNameMapping("Order Fulfilled", "Fulfilled Order", "total", "value"),
        new EventNameMapping("Order Cancelled", "Cancelled Order", "total", "value"),
        new EventNameMapping("Order Refunded", "Refunded Order", "total", "value"),
    };

    /// <summary>Klaviyo's own ecommerce metric names (used as-is, and as targets for event-name typo checks).</summary>
    public static IReadOnlyList<string> KlaviyoMetrics { get; } = new[]
    {
        "Active on Site", "Viewed Product", "Added to Cart", "Started Checkout", "Placed Order", OrderedProductMetric,
        "Fulfilled Order", "Cancelled Order", "Refunded Order",
    };

    /// <summary>
    /// Event types from the seeds that have a Segment or mParticle name besides ecommerce: they are sent under these
    /// names unless the destination options rename them.
    /// </summary>
    public static IReadOnlyList<string> StandardEventNames { get; } = new[]
    {
        AudienceEnteredEvent, AudienceExitedEvent, "Screen View", "Session Start", "Session End",
        "Application State Transition", "Viewed Page", "Viewed Screen",
    };

    /// <summary>
    /// Segment ecommerce spec (v2) property keys: known event properties, kept under their name. A typed event
    /// member whose name matches one of them (without underscores, case-insensitively) is mapped.
    /// </summary>
    public static IReadOnlyList<string> EcommerceProperties { get; } = new[]
    {
        "order_id", "orderId", "checkout_id", "checkoutId", "cart_id", "cartId", "affiliation", "total", "subtotal",
        "revenue", "shipping", "tax", "discount", "coupon", "currency", ProductsKey, "product_id", "productId", "sku",
        "category", "name", "brand", "variant", ProductPriceKey, ProductQuantityKey, "position", "url", "image_url", "imageUrl",
        "productUrl", "value", "list_id", "query", "step", "shipping_method", "payment_method", EventIdKey,
        "repeat", EventEmailKey, "id",
    };

    /// <summary>Product keys renamed on each "Ordered Product" event (Segment: productUrl/imageUrl).</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> ProductPropertyRenames { get; } = new[]
    {
        new KeyValuePair<string, string>("productUrl", "Product URL"),
        new KeyValuePair<string, string>("url", "Product URL"),
        new KeyValuePair<string, string>("imageUrl", "Image URL"),
    };

    /// <summary>Product keys tried in order for the product part of an Ordered Product <c>unique_id</c> (<c>{orderId}_{key}</c>).</summary>
    public static IReadOnlyList<string> ProductIdKeys { get; } = new[] { "productId", "product_id", "id", "sku" };

    /// <summary>Order keys tried in order for an order's id (the Placed Order <c>unique_id</c> and the Ordered Product prefix).</summary>
    public static IReadOnlyList<string> OrderIdKeys { get; } = new[] { "orderId", "order_id" };
}
