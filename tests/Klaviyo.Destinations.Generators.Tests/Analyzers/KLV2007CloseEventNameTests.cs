extern alias KlaviyoAnalyzers;
extern alias KlaviyoCodeFixes;

using Klaviyo.Destinations.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using EventNameAnalyzer = KlaviyoAnalyzers::Klaviyo.Destinations.Analyzers.EventNameAnalyzer;
using EventNameCodeFixProvider = KlaviyoCodeFixes::Klaviyo.Destinations.CodeFixes.EventNameCodeFixProvider;

namespace Klaviyo.Destinations.Generators.Tests.Analyzers;

public sealed class KLV2007CloseEventNameTests
{
    private const string UseName = "Klaviyo.UseSuggestedEventName";

    private static Task VerifyAsync(string source, params DiagnosticResult[] expected) =>
        Verify<EventNameAnalyzer, EventNameCodeFixProvider>.AnalyzerAsync(source, expected);

    private static Task VerifyFixAsync(string source, string fixedSource) =>
        Verify<EventNameAnalyzer, EventNameCodeFixProvider>.CodeFixAsync(source, fixedSource, UseName);

    private static async Task<Diagnostic> SingleAsync(string name)
    {
        return await AnalyzerRunner.SingleAsync(new EventNameAnalyzer(), $$"""
            using Klaviyo.Destinations;

            public static class Calls
            {
                public static void Run(Analytics analytics) => analytics.Track("u1", "{{name}}");
            }
            """, "KLV2007");
    }

    [Fact]
    public async Task Reports_track_names_that_differ_in_case_or_by_a_typo()
    {
        await VerifyAsync("""
            using System.Collections.Generic;
            using Klaviyo.Destinations;

            public static class Calls
            {
                public static void Run(Analytics analytics)
                {
                    analytics.Track("u1", {|KLV2007:"Order Complete"|});
                    analytics.Track("u1", {|KLV2007:"order completed"|}, new Dictionary<string, object?> { ["orderId"] = "o-1" });
                    analytics.Track("u1", {|KLV2007:"Placed order"|}, new { orderId = "o-1" });
                    analytics.Track("u1", {|KLV2007:"Product Viewd"|});
                    analytics.Track("u1", {|KLV2007:"Added To Cart"|});
                    analytics.Track("u1", {|KLV2007:"Viewed Pages"|});
                    analytics.Track(userId: "u1", eventName: {|KLV2007:"Checkout Startd"|});
                }
            }
            """);
    }

    [Fact]
    public async Task Reports_KlaviyoEvent_attribute_names()
    {
        await VerifyAsync("""
            using Klaviyo.Destinations;

            [KlaviyoEvent({|KLV2007:"Order Complete"|})]
            public sealed record OrderComplete(string OrderId);

            [KlaviyoEvent({|KLV2007:"placed order"|})]
            public sealed record PlacedOrder(string OrderId);
            """);
    }

    [Fact]
    public async Task Does_not_report_exact_known_names_custom_names_or_non_literals()
    {
        await VerifyAsync("""
            using System.Collections.Generic;
            using Klaviyo.Destinations;

            [KlaviyoEvent("Order Completed")]
            public sealed record OrderCompleted(string OrderId);

            [KlaviyoEvent("Viewed Recipe")]
            public sealed record ViewedRecipe(string Name);

            public static class Calls
            {
                private const string Typo = "Order Complete";

                public static void Run(Analytics analytics, string name, int step)
                {
                    analytics.Track("u1", "Order Completed");
                    analytics.Track("u1", "Placed Order");
                    analytics.Track("u1", "Viewed Product");
                    analytics.Track("u1", "Ordered Product");
                    analytics.Track("u1", "Session Start");
                    analytics.Track("u1", "Recipe Saved", new Dictionary<string, object?>());
                    analytics.Track("u1", "Signup");
                    analytics.Track("u1", "Order");
                    analytics.Track("u1", name);
                    analytics.Track("u1", Typo);
                    analytics.Track("u1", $"Checkout Step {step}");
                    analytics.Page("u1", "Order Complete");
                    analytics.Screen("u1", "Placed order");
                }
            }
            """);
    }

    [Fact]
    public async Task Message_names_the_Segment_event_and_the_metric_it_becomes()
    {
        var diagnostic = await SingleAsync("Order Complete");

        Assert.Equal(DiagnosticSeverity.Warning, diagnostic.Severity);
        Assert.Equal(
            "Event name 'Order Complete' is close to the Segment ecommerce event 'Order Completed' (sent to Klaviyo as 'Placed Order'); did you mean it?",
            diagnostic.GetMessage());
        Assert.Equal("Order Completed", diagnostic.Properties["Replacement"]);
        Assert.Equal("https://github.com/klaviyo-destinations/klaviyo-destinations/blob/main/docs/diagnostics/KLV2007.md", diagnostic.Descriptor.HelpLinkUri);
    }

    [Fact]
    public async Task Message_names_Klaviyo_metrics_and_standard_events()
    {
        Assert.Equal("Event name 'Placed order' is close to the Klaviyo metric 'Placed Order'; did you mean it?",
            (await SingleAsync("Placed order")).GetMessage());
        Assert.Equal("Event name 'Product Viewd' is close to the Segment ecommerce event 'Product Viewed' (sent to Klaviyo as 'Viewed Product'); did you mean it?",
            (await SingleAsync("Product Viewd")).GetMessage());
        Assert.Equal("Event name 'session start' is close to the standard event 'Session Start'; did you mean it?",
            (await SingleAsync("session start")).GetMessage());
    }

    [Fact]
    public async Task Fix_replaces_the_literal_in_track_calls_and_attributes()
    {
        await VerifyFixAsync("""
            using Klaviyo.Destinations;

            [KlaviyoEvent({|KLV2007:"Order Complete"|})]
            public sealed record OrderComplete(string OrderId);

            public static class Calls
            {
                public static void Run(Analytics analytics)
                {
                    analytics.Track("u1", {|KLV2007:"Placed order"|}, new { orderId = "o-1" });
                    analytics.Track("u1", {|KLV2007:"Product Viewd"|}); // typo
                }
            }
            """, """
            using Klaviyo.Destinations;

            [KlaviyoEvent("Order Completed")]
            public sealed record OrderComplete(string OrderId);

            public static class Calls
            {
                public static void Run(Analytics analytics)
                {
                    analytics.Track("u1", "Placed Order", new { orderId = "o-1" });
                    analytics.Track("u1", "Product Viewed"); // typo
                }
            }
            """);
    }
}
