extern alias KlaviyoAnalyzers;
extern alias KlaviyoCodeFixes;

using Klaviyo.Destinations.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using PayloadTypeAnalyzer = KlaviyoAnalyzers::Klaviyo.Destinations.Analyzers.PayloadTypeAnalyzer;
using PayloadTypeCodeFixProvider = KlaviyoCodeFixes::Klaviyo.Destinations.CodeFixes.PayloadTypeCodeFixProvider;

namespace Klaviyo.Destinations.Generators.Tests.Analyzers;

public sealed class KLV2008PayloadWithoutMapperTests
{
    private const string AddAttribute = "Klaviyo.AddMappedTypeAttribute";

    private static Task VerifyAsync(string source, params DiagnosticResult[] expected) =>
        Verify<PayloadTypeAnalyzer, PayloadTypeCodeFixProvider>.AnalyzerAsync(source, expected);

    private static Task VerifyFixAsync(string source, string fixedSource) =>
        Verify<PayloadTypeAnalyzer, PayloadTypeCodeFixProvider>.CodeFixAsync(source, fixedSource, AddAttribute);

    [Fact]
    public async Task Reports_plain_classes_and_unmappable_types_passed_as_payload()
    {
        await VerifyAsync("""
            using System.Collections.Generic;
            using Klaviyo.Destinations;

            public sealed class Customer { public string? Email { get; set; } }
            public sealed record Order(string OrderId, decimal Revenue);

            public static class Calls
            {
                public static void Run(Analytics analytics, Customer customer, Order order, Dictionary<string, string> tags)
                {
                    analytics.Identify("u1", {|KLV2008:customer|});
                    analytics.Track("u1", "Order Completed", {|KLV2008:order|});
                    analytics.Track("u1", {|KLV2008:order|});
                    analytics.Identify("u1", {|KLV2008:tags|});
                    analytics.Identify("u1", {|KLV2008:"ada@example.com"|});
                    analytics.AudienceEntered("u1", "VIP", {|KLV2008:customer|});
                    analytics.Page("u1", "Home", {|KLV2008:order|});
                    _ = analytics.TrackAsync("u1", "Order Completed", {|KLV2008:order|});
                    analytics.Track("u1", {|KLV2008:new { Plan = "pro" }|});
                }
            }
            """);
    }

    [Fact]
    public async Task Does_not_report_what_the_runtime_or_an_interceptor_maps()
    {
        await VerifyAsync("""
            using System.Collections.Generic;
            using System.Text.Json;
            using System.Text.Json.Nodes;
            using Klaviyo.Destinations;

            [KlaviyoProfile] public sealed record Customer(string Email);
            [KlaviyoEvent("Order Completed")] public sealed record Order(string OrderId);

            public static class Calls
            {
                public static void Run<T>(Analytics analytics, Customer customer, Order order, JsonElement element, JsonObject node,
                    Dictionary<string, object?> map, IReadOnlyDictionary<string, object?> readOnly, object boxed, T generic)
                {
                    analytics.Identify("u1", customer);
                    analytics.Track("u1", order);
                    analytics.Track("u1", "Order Completed", order);
                    analytics.Identify("u1", element);
                    analytics.Identify("u1", node);
                    analytics.Identify("u1", map);
                    analytics.Identify("u1", readOnly);
                    analytics.Identify("u1", boxed);
                    analytics.Identify("u1", generic);
                    analytics.Identify("u1", new { Email = "ada@example.com" });
                    analytics.Track("u1", "Signed Up", new { Plan = "pro", Items = new[] { new { Id = 1 } } });
                    analytics.Page("u1", "Home", new { Referrer = "x" });
                }
            }
            """);
    }

    [Fact]
    public async Task Anonymous_payload_with_a_member_type_generated_code_cannot_name_is_reported()
    {
        await VerifyAsync("""
            using Klaviyo.Destinations;

            public static class Calls
            {
                private sealed class Secret { public string? Code { get; set; } }

                public static void Run(Analytics analytics) =>
                    analytics.Track("u1", "Signed Up", {|KLV2008:new { Plan = "pro", Secret = new Secret() }|});
            }
            """);
    }

    [Fact]
    public async Task Message_says_the_call_would_be_rejected_and_how_to_fix_it()
    {
        var diagnostic = await AnalyzerRunner.SingleAsync(new PayloadTypeAnalyzer(), """
            using Klaviyo.Destinations;

            public sealed class Customer { public string? Email { get; set; } }

            public static class Calls
            {
                public static void Run(Analytics analytics, Customer customer) => analytics.Identify("u1", customer);
            }
            """, "KLV2008");

        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal(
            "'Customer' passed to Analytics.Identify has no Klaviyo mapper, so every such call would be rejected at run time; annotate it with [KlaviyoProfile] (the generator then maps it without reflection), or pass an IReadOnlyDictionary<string, object?>, a JsonElement or a JsonObject",
            diagnostic.GetMessage());
    }

    [Fact]
    public async Task Fix_adds_KlaviyoProfile_to_a_profile_payload_type()
    {
        await VerifyFixAsync("""
            using Klaviyo.Destinations;

            public sealed class Customer
            {
                public string? Email { get; set; }
            }

            public static class Calls
            {
                public static void Run(Analytics analytics, Customer customer) => analytics.Identify("u1", {|KLV2008:customer|});
            }
            """, """
            using Klaviyo.Destinations;

            [KlaviyoProfile]
            public sealed class Customer
            {
                public string? Email { get; set; }
            }

            public static class Calls
            {
                public static void Run(Analytics analytics, Customer customer) => analytics.Identify("u1", customer);
            }
            """);
    }

    [Fact]
    public async Task Fix_adds_KlaviyoEvent_with_the_calls_event_name()
    {
        await VerifyFixAsync("""
            using Klaviyo.Destinations;

            public sealed record Order(string OrderId, decimal Revenue);

            public static class Calls
            {
                public static void Run(Analytics analytics, Order order) => analytics.Track("u1", "Order Completed", {|KLV2008:order|});
            }
            """, """
            using Klaviyo.Destinations;

            [KlaviyoEvent("Order Completed")]
            public sealed record Order(string OrderId, decimal Revenue);

            public static class Calls
            {
                public static void Run(Analytics analytics, Order order) => analytics.Track("u1", "Order Completed", order);
            }
            """);
    }
}
