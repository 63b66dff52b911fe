namespace Klaviyo.Destinations.Generators.Tests.Generator;

/// <summary>Representative user code the generator must handle; each is one baseline case.</summary>
internal static class GeneratorInputs
{
    /// <summary>A profile with every kind of member: conventions, attributes, nested address and company, values of every shape.</summary>
    public const string ProfileWithEveryMember = """
        using System;
        using System.Collections.Generic;
        using System.Text.Json;
        using Klaviyo.Destinations;

        namespace Shop.Customers;

        public sealed record PostalAddress(string? Street, string? City, string? State, string? PostalCode, string? Country, string? Apartment = null);

        public sealed class Employer
        {
            public string Name { get; set; } = "";
            public int Size { get; set; }
        }

        public sealed record Badge(string Name, int Level, [property: NotMapped] string? Secret);

        public enum Tier { Bronze, Silver, Gold }

        [KlaviyoProfile]
        public sealed class Customer
        {
            public string Email { get; set; } = "";
            public string? FirstName { get; set; }
            public string? LastName { get; set; }
            public string? Phone { get; set; }
            public string? Title { get; set; }
            public Employer? Company { get; set; }
            public Uri? Avatar { get; set; }
            public string? Timezone { get; set; }
            public PostalAddress? Address { get; set; }
            public double? Latitude { get; set; }
            public decimal Longitude { get; set; }
            public Guid ExternalId { get; set; }
            [Trait("$state")] public string? Province { get; set; }
            [KlaviyoField(ProfileField.Locale)] public string? Language { get; set; }
            [CustomProperty("plan_name")] public string? Plan { get; set; }
            [ClearWhenNull] public string? Nickname { get; set; }
            [NotMapped] public string? PasswordHash { get; set; }
            public int LoyaltyPoints { get; set; }
            public ulong Visits { get; set; }
            public bool Newsletter { get; set; }
            public char Initial { get; set; }
            public Tier Tier { get; set; }
            public Tier? PreviousTier { get; set; }
            public DateTime CreatedAt { get; set; }
            public DateTimeOffset? SignedUpAt { get; set; }
            public DateOnly Birthday { get; set; }
            public IReadOnlyList<string>? Tags { get; set; }
            public int[]? Scores { get; set; }
            public List<Badge>? Badges { get; set; }
            public IDictionary<string, object?>? Extra { get; set; }
            public JsonElement Raw { get; set; }
            public object? Anything { get; set; }
        }
        """;

    /// <summary>An "Order Completed" event with a product list, reserved fields and ecommerce properties.</summary>
    public const string EventWithProducts = """
        using System;
        using System.Collections.Generic;
        using Klaviyo.Destinations;

        namespace Shop.Orders;

        public sealed record Product(string? ProductId, string? Sku, string? Name, decimal Price, int Quantity, string? ProductUrl, string? ImageUrl, string? Category);

        [KlaviyoEvent("Order Completed")]
        public sealed record OrderCompleted(
            string OrderId,
            decimal Revenue,
            string Currency,
            IReadOnlyList<Product> Products,
            [KlaviyoEventField(EventField.UniqueId)] string? EventId = null,
            [KlaviyoEventField(EventField.Time)] DateTimeOffset? OccurredAt = null,
            string? Coupon = null,
            decimal? Discount = null,
            string? Email = null,
            [CustomProperty] bool GiftWrap = false,
            [NotMapped] string? InternalNote = null);
        """;

    /// <summary>
    /// Nested object types (the products of an order) whose names come from attributes written on record positional
    /// parameters, on properties and on fields: [Trait] (leading $ removed), [CustomProperty] with and without a name,
    /// [NotMapped]; unannotated members keep the ecommerce spelling (Sku → sku).
    /// </summary>
    public const string NestedObjectAttributes = """
        using System.Collections.Generic;
        using Klaviyo.Destinations;

        namespace Shop.Orders;

        public sealed record LineItem(
            [Trait("product_id")] string? Code,
            [CustomProperty("Gift Message")] string? Note,
            [CustomProperty] string? ProductUrl,
            [NotMapped] string? InternalSku,
            [Trait("$size")] string? Size,
            string? Sku)
        {
            [CustomProperty("Warehouse Bin")] public string? Bin { get; init; }
            [NotMapped] public decimal Cost { get; init; }
        }

        [KlaviyoEvent("Order Completed")]
        public sealed record OrderCompleted(string OrderId, decimal Revenue, IReadOnlyList<LineItem> Products);
        """;

    /// <summary>Mapped types nested in other types, a struct and a class in a block-scoped namespace.</summary>
    public const string NestedTypes = """
        using Klaviyo.Destinations;

        namespace Shop
        {
            public static partial class Accounts
            {
                internal sealed partial class Registration
                {
                    [KlaviyoProfile]
                    public sealed record Visitor(string Email, string? FirstName);
                }

                [KlaviyoEvent("Signed Up")]
                public struct SignedUp
                {
                    public string? Plan { get; set; }
                    public int Seats { get; set; }
                }
            }
        }
        """;

    /// <summary>Mapped types in the global namespace.</summary>
    public const string GlobalNamespace = """
        using Klaviyo.Destinations;

        [KlaviyoProfile]
        public sealed record Subscriber(string Email, string? PhoneNumber);

        [KlaviyoEvent("Viewed Product")]
        public sealed record ViewedProduct(string ProductId, string? Name, decimal Price);
        """;

    /// <summary>The assembly option that drops unmapped members instead of sending them.</summary>
    public const string DropOption = """
        using Klaviyo.Destinations;

        [assembly: KlaviyoMappingOptions(UnmappedTraits = UnmappedTraitHandling.Drop)]

        namespace Shop;

        public sealed record PostalAddress(string? City, string? Floor);

        [KlaviyoProfile]
        public sealed record Customer(string Email, int LoyaltyPoints, [CustomProperty] string? Plan, PostalAddress? Address);

        [KlaviyoEvent("Viewed Recipe")]
        public sealed record ViewedRecipe(string Name, int CookingMinutes);
        """;

    /// <summary>The runtime's table-lookup class (the attribute is internal to the runtime, so the input declares its own).</summary>
    public const string TableLookups = """
        namespace Klaviyo.Destinations.Mapping
        {
            [System.AttributeUsage(System.AttributeTargets.Class, Inherited = false)]
            internal sealed class GenerateTableLookupsAttribute : System.Attribute
            {
            }

            [GenerateTableLookups]
            internal static partial class TableLookups
            {
            }
        }
        """;

    /// <summary>
    /// The model shapes of issue 23: System.Text.Json attributes, typed dictionaries, big and small numbers, times,
    /// event conventions (Value, Timestamp, a product's Url), a self-referencing member and the camelCase policy.
    /// </summary>
    public const string ModelShapes = """
        using System;
        using System.Collections.Generic;
        using System.Numerics;
        using System.Text.Json.Serialization;
        using Klaviyo.Destinations;

        [assembly: KlaviyoMappingOptions(PropertyNaming = PropertyNaming.CamelCase)]

        namespace Shop;

        [KlaviyoProfile]
        public sealed class Member
        {
            public string? Email { get; set; }
            [JsonPropertyName("first_name")] public string? Given { get; set; }
            [JsonPropertyName("tier_name")] public string? Tier { get; set; }
            [JsonIgnore] public string? PasswordHash { get; set; }
            [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Nickname { get; set; }
            [JsonIgnore, CustomProperty("kept")] public string? Kept { get; set; }
            [JsonPropertyName("ignored_name"), CustomProperty("wins")] public int Wins { get; set; }
            public Dictionary<string, int>? Scores { get; set; }
            public IReadOnlyDictionary<string, string> Labels { get; set; } = new Dictionary<string, string>();
            public BigInteger Big { get; set; }
            public Int128 Huge { get; set; }
            public UInt128? Unsigned { get; set; }
            public Half Ratio { get; set; }
            public TimeOnly OpensAt { get; set; }
            public TimeSpan? Tenure { get; set; }
            public Member? Referrer { get; set; }
        }

        public sealed record LineItem(string Sku, int Qty, string? Url, [property: JsonIgnore] decimal Cost, [property: JsonPropertyName("gift_note")] string? Note);

        [KlaviyoEvent("Order Completed")]
        public sealed record OrderCompleted(string OrderId, decimal Value, DateTimeOffset Timestamp, IReadOnlyList<LineItem> Products, Dictionary<string, decimal> Taxes);
        """;

    /// <summary>Pairs of types whose generated names collided before issue 23 (CS0101 in a file the user cannot edit).</summary>
    public const string CollidingNames = """
        using Klaviyo.Destinations;

        namespace Shop
        {
            public static class Outer
            {
                [KlaviyoProfile] public sealed record Customer(string Email);
                public sealed record Line(string Sku);
                public enum Kind { A, B }
            }

            [KlaviyoProfile] public sealed record Outer_Customer(string Email);
            public sealed record Outer_Line(string Sku);
            public enum Outer_Kind { C, D }

            public static class Outer_
            {
                [KlaviyoEvent("Shipped")] public sealed record Customer(string OrderId, Outer.Line First, Outer_Line Second, Outer.Kind K1, Outer_Kind K2);
            }

            public static class Wrapper
            {
                [KlaviyoEvent("Shipped")] public sealed record _Customer(string OrderId);
            }

            public static class Wrapper_
            {
                [KlaviyoEvent("Shipped")] public sealed record Customer(string OrderId);
            }

            [KlaviyoProfile, KlaviyoEvent("Both")]
            public sealed record Both(string Email);
        }

        namespace Shop.Outer2
        {
            [KlaviyoProfile] public sealed record Customer(string Email);
        }

        namespace Shop
        {
            public static class Outer2_
            {
                [KlaviyoProfile] public sealed record Customer(string Email);
            }
        }
        """;
}
