namespace Klaviyo.Destinations.Generators.Tests.Generator;

/// <summary>Sources with <c>Analytics</c> calls that pass anonymous objects (intercepted) and some that are not intercepted.</summary>
internal static class InterceptorInputs
{
    public const string AnonymousCalls = """
        using System.Collections.Generic;
        using System.Linq;
        using System.Threading.Tasks;
        using Klaviyo.Destinations;

        namespace Shop;

        public enum Tier { Bronze, Gold }

        public sealed class Checkout
        {
            public async Task RunAsync(Analytics analytics, string userId, decimal total, IReadOnlyList<string> tags, int[] ids)
            {
                analytics.Identify(userId, new { Email = "ada@example.com", FirstName = "Ada", Address = new { City = "London", Zip = "SW1Y 4JH" }, Tier = Tier.Gold, Age = 36 });
                analytics.Track(userId, "Order Completed", new { OrderId = "o-1", Revenue = total, Products = new[] { new { ProductId = "p-1", Price = 3m } }, Tags = tags });
                analytics.Track(userId, "Order Completed", new { OrderId = "o-2", Revenue = total, Products = new[] { new { ProductId = "p-2", Price = 5m } }, Tags = tags });
                analytics.Page(userId, "Home", new { Referrer = (string?)null });
                await analytics.TrackAsync(userId, "Listed", new { Items = ids.Select(i => new { Id = i, Label = i.ToString() }).ToList() });
                analytics.AudienceEntered(userId, "VIP", new { Email = "ada@example.com" });
                analytics.Identify(userId, new { Email = "bo@example.com" });

                // Not intercepted: a model-less Track (no event name), and a dictionary.
                analytics.Track(userId, new { Plan = "pro" });
                analytics.Track(userId, "Signed Up", new Dictionary<string, object?> { ["plan"] = "pro" });
            }
        }
        """;

    /// <summary>A second file with one call site of its own shape (for the add/remove incrementality test).</summary>
    public const string OneMoreCall = """
        using Klaviyo.Destinations;

        namespace Shop;

        public static class Newsletter
        {
            public static void Join(Analytics analytics, string userId) => analytics.Track(userId, "Joined Newsletter", new { Source = "footer" });
        }
        """;

    /// <summary>
    /// Anonymous objects passed through the user's generic helpers: one level (Send, the extension Remember), two levels
    /// (Relay → Send), a helper that never reaches Analytics (Log) and one that calls Track without an event name (Quick).
    /// </summary>
    public const string HelperCalls = """
        using Klaviyo.Destinations;

        namespace Shop;

        public static class Sender
        {
            public static void Send<T>(Analytics analytics, string userId, T payload) => analytics.Track(userId, "Order Completed", payload);
            public static void Remember<TTraits>(this Analytics analytics, string userId, TTraits traits) => analytics.Identify(userId, traits);
            public static void Relay<TPayload>(Analytics analytics, string userId, TPayload payload) => Send(analytics, userId, payload);
            public static void Log<T>(T value) { }
            public static void Quick<T>(Analytics analytics, string userId, T payload) => analytics.Track(userId, payload);
        }

        public sealed class Orders
        {
            public void Run(Analytics analytics, string userId, decimal total)
            {
                Sender.Send(analytics, userId, new { OrderId = "o-1", Revenue = total, Products = new[] { new { ProductId = "p-1", Price = 3m } } });
                Sender.Relay(analytics, userId, new { OrderId = "o-2", Value = total });
                analytics.Remember(userId, new { Email = "ada@example.com", FirstName = "Ada" });
                Sender.Log(new { Ignored = 1 });
            }
        }
        """;

    /// <summary>A second file with one more helper call (for the add/remove incrementality test).</summary>
    public const string OneMoreHelperCall = """
        using Klaviyo.Destinations;

        namespace Shop;

        public static class Signup
        {
            public static void Join(Analytics analytics, string userId) => Sender.Relay(analytics, userId, new { Source = "footer" });
        }
        """;
}
