extern alias KlaviyoAnalyzers;

using Klaviyo.Destinations.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using AnonymousPayloadAnalyzer = KlaviyoAnalyzers::Klaviyo.Destinations.Analyzers.AnonymousPayloadAnalyzer;

namespace Klaviyo.Destinations.Generators.Tests.Analyzers;

/// <summary>KLV2001 and the member rules on the anonymous payloads that the generator intercepts.</summary>
public sealed class KLV2001AnonymousPayloadTests
{
    private static Task VerifyAsync(string source) =>
        Verify<AnonymousPayloadAnalyzer, EmptyCodeFixProvider>.AnalyzerAsync(source);

    [Fact]
    public async Task Reports_the_anonymous_identify_member_that_maps_to_no_Klaviyo_field_and_nothing_else()
    {
        await VerifyAsync("""
            using Klaviyo.Destinations;

            public static class Calls
            {
                public static void Run(Analytics analytics, string userId, string email) =>
                    analytics.Identify(userId, new { Email = email, FirstName = "Ada", Address = new { City = "London" }, {|KLV2001:Age|} = 3 });
            }
            """);
    }

    /// <summary>As on [KlaviyoEvent] models (docs/models.md), an event's members are its properties: no KLV2001.</summary>
    [Fact]
    public async Task Track_members_are_event_properties_and_get_no_KLV2001()
    {
        await VerifyAsync("""
            using Klaviyo.Destinations;

            public static class Calls
            {
                public static void Run(Analytics analytics, string userId, decimal total)
                {
                    analytics.Track(userId, "Order Completed", new { OrderId = "o-1", Revenue = total, Currency = "USD", GiftWrap = true });
                    analytics.Track(userId, "Order Completed", new { OrderId = "o-2", Revenue = total, Currency = "USD", GiftWrap = false });
                    analytics.Track(userId, "Signed Up", new { Plan = "pro" });
                }
            }
            """);
    }

    [Fact]
    public async Task Type_problems_of_anonymous_members_are_errors_at_the_member()
    {
        await VerifyAsync("""
            using System;
            using Klaviyo.Destinations;

            public static class Calls
            {
                public static void Run(Analytics analytics, string userId) =>
                    analytics.Identify(userId, new { Email = "ada@example.com", {|KLV2003:FirstName|} = 42, {|KLV2005:Callback|} = (Action)(() => { }) });
            }
            """);
    }

    [Fact]
    public async Task Calls_that_are_not_intercepted_are_left_to_other_rules()
    {
        await VerifyAsync("""
            using System.Collections.Generic;
            using Klaviyo.Destinations;

            public static class Calls
            {
                public static void Run(Analytics analytics, string userId)
                {
                    analytics.Track(userId, new { Plan = "pro" });
                    analytics.Identify(userId, new Dictionary<string, object?> { ["age"] = 3 });
                }
            }
            """);
    }

    [Fact]
    public async Task Message_names_the_member_says_what_happens_and_how_to_fix_it()
    {
        var diagnostic = await AnalyzerRunner.SingleAsync(new AnonymousPayloadAnalyzer(), """
            using Klaviyo.Destinations;

            public static class Calls
            {
                public static void Run(Analytics analytics) => analytics.Identify("u1", new { Email = "ada@example.com", Age = 3 });
            }
            """, "KLV2001");

        Assert.Equal(DiagnosticSeverity.Warning, diagnostic.Severity);
        Assert.Equal(
            "Trait 'Age' of 'anonymous type' is not mapped to a Klaviyo field; it will be sent as custom property 'Age' (rename it to a profile trait such as FirstName, or use a [KlaviyoProfile] model to mark it [CustomProperty] or [NotMapped])",
            diagnostic.GetMessage());
    }
}
