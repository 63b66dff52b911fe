extern alias KlaviyoAnalyzers;
extern alias KlaviyoCodeFixes;

using Klaviyo.Destinations.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using TraitKeyAnalyzer = KlaviyoAnalyzers::Klaviyo.Destinations.Analyzers.TraitKeyAnalyzer;
using TraitKeyCodeFixProvider = KlaviyoCodeFixes::Klaviyo.Destinations.CodeFixes.TraitKeyCodeFixProvider;

namespace Klaviyo.Destinations.Generators.Tests.Analyzers;

public sealed class KLV2006CloseTraitKeyTests
{
    private const string UseKey = "Klaviyo.UseSuggestedKey";

    private static Task VerifyAsync(string source, params DiagnosticResult[] expected) =>
        Verify<TraitKeyAnalyzer, TraitKeyCodeFixProvider>.AnalyzerAsync(source, expected);

    private static Task VerifyFixAsync(string source, string fixedSource, params DiagnosticResult[] remaining) =>
        Verify<TraitKeyAnalyzer, TraitKeyCodeFixProvider>.CodeFixAsync(source, fixedSource, UseKey, remaining);

    private static async Task<string> MessageAsync(string call)
    {
        var diagnostic = await AnalyzerRunner.SingleAsync(new TraitKeyAnalyzer(), $$"""
            using System.Collections.Generic;
            using Klaviyo.Destinations;

            public static class Calls
            {
                public static void Run(Analytics analytics) => {{call}};
            }
            """, "KLV2006");
        Assert.Equal(DiagnosticSeverity.Warning, diagnostic.Severity);
        return diagnostic.GetMessage();
    }

    [Fact]
    public async Task Reports_identify_keys_that_differ_in_spelling_by_a_typo_or_are_synonyms()
    {
        await VerifyAsync("""
            using System.Collections.Generic;
            using Klaviyo.Destinations;

            public static class Calls
            {
                public static void Run(Analytics analytics, string name)
                {
                    analytics.Identify("u1", new Dictionary<string, object?>
                    {
                        [{|KLV2006:"firstname"|}] = name,
                        ["$first_name"] = name,
                        ["$FirstName"] = name,
                        ["$State"] = "VA",
                        [{|KLV2006:"Email"|}] = "ada@example.com",
                        [{|KLV2006:"mobile"|}] = "+15555550100",
                        [{|KLV2006:"organisation"|}] = "Analytical Engines",
                        [{|KLV2006:"Postal-Code"|}] = "02139",
                    });
                    analytics.Identify("u2", new Dictionary<string, object?> { { {|KLV2006:"e-mail"|}, "ada@example.com" }, { {|KLV2006:"lastname"|}, "Lovelace" } });
                    analytics.Identify("u3", new { {|KLV2006:mobile|} = "+15555550100", email = "ada@example.com", firstname = name, Timezone = "Europe/London" });
                    analytics.Identify("u4", new System.Text.Json.Nodes.JsonObject { ["email"] = "ada@example.com", [{|KLV2006:"first-name"|}] = name });
                }
            }
            """);
    }

    [Fact]
    public async Task Reports_nested_address_keys_against_the_address_table_and_group_keys_against_the_profile_tables()
    {
        await VerifyAsync("""
            using System.Collections.Generic;
            using Klaviyo.Destinations;

            public static class Calls
            {
                public static void Run(Analytics analytics)
                {
                    analytics.Identify("u1", new Dictionary<string, object?>
                    {
                        ["email"] = "ada@example.com",
                        ["address"] = new Dictionary<string, object?> { ["street"] = "1 Main St", [{|KLV2006:"postcode"|}] = "02139", [{|KLV2006:"Country"|}] = "US" },
                    });
                    analytics.Identify("u2", new { email = "ada@example.com", address = new { city = "Boston", {|KLV2006:town|} = "Boston" } });
                    analytics.Group("u1", "g1", new Dictionary<string, object?> { [{|KLV2006:"Name"|}] = "Initech", ["plan"] = "enterprise" });
                }
            }
            """);
    }

    [Fact]
    public async Task Reports_track_keys_against_event_fields_and_ecommerce_properties_including_products()
    {
        await VerifyAsync("""
            using System.Collections.Generic;
            using Klaviyo.Destinations;

            public static class Calls
            {
                public static void Run(Analytics analytics)
                {
                    analytics.Track("u1", "Order Completed", new Dictionary<string, object?>
                    {
                        [{|KLV2006:"orderid"|}] = "o-1",
                        [{|KLV2006:"Revenue"|}] = 42.5m,
                        [{|KLV2006:"$event-id"|}] = "e-1",
                        ["currency"] = "USD",
                        ["products"] = new[]
                        {
                            new Dictionary<string, object?> { [{|KLV2006:"prodcut_id"|}] = "p-1", ["price"] = 10m },
                        },
                    });
                    analytics.Track("u1", "Product Viewed", new { {|KLV2006:prodcutid|} = "p-1", {|KLV2006:Brnad|} = "Acme", name = "Engine" });
                }
            }
            """);
    }

    [Fact]
    public async Task Does_not_report_exact_keys_custom_keys_short_keys_or_other_calls()
    {
        await VerifyAsync("""
            using System.Collections.Generic;
            using Klaviyo.Destinations;

            public static class Calls
            {
                private const string Plan = "plan";

                public static void Run(Analytics analytics, string key, Dictionary<string, object?> traits)
                {
                    analytics.Identify("u1", new Dictionary<string, object?>
                    {
                        ["email"] = "ada@example.com",
                        ["firstName"] = "Ada",
                        ["first_name"] = "Ada",
                        ["$firstname"] = "Ada",
                        ["phone_number"] = "+15555550100",
                        ["company"] = "Initech",
                        ["properties"] = new Dictionary<string, object?> { ["Firstname"] = "inside custom properties" },
                        ["loyaltyPoints"] = 10,
                        ["favoriteColor"] = "teal",
                        ["tier"] = "gold",
                        ["zap"] = 1,
                        [Plan] = "pro",
                        [key] = "dynamic",
                    });
                    analytics.Identify("u2", traits);
                    analytics.Identify("u3", new { email = "ada@example.com", loyaltyPoints = 10 });
                    // Intercepted anonymous payloads map member names like a model does: these all map.
                    analytics.Identify("u4", new { Email = "ada@example.com", FirstName = "Ada", Timezone = "Europe/London", Address = new { City = "Boston", PostalCode = "02139" } });
                    analytics.Track("u1", "Order Completed", new { OrderId = "o-1", Revenue = 1m, Products = new[] { new { ProductId = "p-1", Brand = "Acme" } } });
                    analytics.Track("u1", "Order Completed", new Dictionary<string, object?> { ["orderId"] = "o-1", ["order_id"] = "o-1", ["$value"] = 1, ["recipeName"] = "Soup" });
                    analytics.Page("u1", "Home", new Dictionary<string, object?> { ["firstname"] = "not a trait" });
                    var unrelated = new Dictionary<string, object?> { ["firstname"] = "not passed to Analytics" };
                    unrelated.Add("e-mail", "x");
                }
            }
            """);
    }

    [Fact]
    public async Task Messages_name_the_key_the_suggestion_and_the_Klaviyo_target()
    {
        Assert.Equal("Trait key 'firstname' is not a Klaviyo mapping key; did you mean 'firstName' (first_name)?",
            await MessageAsync("""analytics.Identify("u1", new Dictionary<string, object?> { ["firstname"] = "Ada" })"""));
        Assert.Equal("Trait key 'e-mail' is not a Klaviyo mapping key; did you mean 'email' (email)?",
            await MessageAsync("""analytics.Identify("u1", new Dictionary<string, object?> { { "e-mail", "ada@example.com" } })"""));
        Assert.Equal("Trait key '$frist_name' is not a Klaviyo mapping key; did you mean '$first_name' (first_name)?",
            await MessageAsync("""analytics.Identify("u1", new Dictionary<string, object?> { ["$frist_name"] = "Ada" })"""));
        Assert.Equal("Trait key 'mobile' is not a Klaviyo mapping key; did you mean 'phone' (phone_number)?",
            await MessageAsync("""analytics.Identify("u1", new { mobile = "+15555550100" })"""));
        Assert.Equal("Trait key 'postcode' is not a Klaviyo mapping key; did you mean 'postalCode' (zip)?",
            await MessageAsync("""analytics.Identify("u1", new { email = "a@b.c", address = new { postcode = "02139" } })"""));
        Assert.Equal("Property key 'orderid' is not a Klaviyo mapping key; did you mean 'orderId' (Segment ecommerce property)?",
            await MessageAsync("""analytics.Track("u1", "Order Completed", new Dictionary<string, object?> { ["orderid"] = "o-1" })"""));
        Assert.Equal("Property key 'Revenue' is not a Klaviyo mapping key; did you mean 'revenue' (value)?",
            await MessageAsync("""analytics.Track("u1", "Order Completed", new Dictionary<string, object?> { ["Revenue"] = 1m })"""));
    }

    [Fact]
    public async Task Anonymous_objects_only_get_suggestions_that_are_identifiers()
    {
        // '$firstname' cannot name a member; the identifier spelling is suggested instead.
        Assert.Equal("Trait key 'Firstnme' is not a Klaviyo mapping key; did you mean 'firstName' (first_name)?",
            await MessageAsync("""analytics.Identify("u1", new { Firstnme = "Ada" })"""));
    }

    [Fact]
    public async Task No_replacement_is_offered_when_the_suggested_key_is_already_written()
    {
        var diagnostic = await AnalyzerRunner.SingleAsync(new TraitKeyAnalyzer(), """
            using System.Collections.Generic;
            using Klaviyo.Destinations;

            public static class Calls
            {
                public static void Run(Analytics analytics) =>
                    analytics.Identify("u1", new Dictionary<string, object?> { ["email"] = "a@b.c", ["Email"] = "c@d.e" });
            }
            """, "KLV2006");

        Assert.False(diagnostic.Properties.ContainsKey("Replacement"));
        Assert.Equal("https://github.com/klaviyo-destinations/klaviyo-destinations/blob/main/docs/diagnostics/KLV2006.md", diagnostic.Descriptor.HelpLinkUri);
    }

    [Fact]
    public async Task Fix_replaces_dictionary_key_literals()
    {
        await VerifyFixAsync("""
            using System.Collections.Generic;
            using Klaviyo.Destinations;

            public static class Calls
            {
                public static void Run(Analytics analytics)
                {
                    analytics.Identify("u1", new Dictionary<string, object?>
                    {
                        [{|KLV2006:"firstname"|}] = "Ada", // keep this comment
                        ["plan"] = "pro",
                    });
                    analytics.Identify("u2", new Dictionary<string, object?> { { {|KLV2006:"e-mail"|}, "ada@example.com" } });
                    analytics.Track("u1", "Order Completed", new Dictionary<string, object?> { [{|KLV2006:"order-id"|}] = "o-1" });
                }
            }
            """, """
            using System.Collections.Generic;
            using Klaviyo.Destinations;

            public static class Calls
            {
                public static void Run(Analytics analytics)
                {
                    analytics.Identify("u1", new Dictionary<string, object?>
                    {
                        ["firstName"] = "Ada", // keep this comment
                        ["plan"] = "pro",
                    });
                    analytics.Identify("u2", new Dictionary<string, object?> { { "email", "ada@example.com" } });
                    analytics.Track("u1", "Order Completed", new Dictionary<string, object?> { ["order_id"] = "o-1" });
                }
            }
            """);
    }

    [Fact]
    public async Task Fix_renames_anonymous_members_and_names_projected_ones()
    {
        await VerifyFixAsync("""
            using Klaviyo.Destinations;

            public static class Calls
            {
                public static void Run(Analytics analytics, string mobile)
                {
                    analytics.Identify("u1", new { email = "ada@example.com", {|KLV2006:surname|} = "Lovelace", {|KLV2006:mobile|} });
                }
            }
            """, """
            using Klaviyo.Destinations;

            public static class Calls
            {
                public static void Run(Analytics analytics, string mobile)
                {
                    analytics.Identify("u1", new { email = "ada@example.com", lastName = "Lovelace", phone = mobile });
                }
            }
            """);
    }
}
