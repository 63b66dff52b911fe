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
}
