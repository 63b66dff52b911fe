extern alias KlaviyoAnalyzers;

using Klaviyo.Destinations.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis.Testing;
using PayloadTypeAnalyzer = KlaviyoAnalyzers::Klaviyo.Destinations.Analyzers.PayloadTypeAnalyzer;

namespace Klaviyo.Destinations.Generators.Tests.Analyzers;

/// <summary>KLV2012: an anonymous object (or an unannotated class) that reaches Analytics through a user's generic helper.</summary>
public sealed class KLV2012GenericHelperTests
{
    private const string Helpers = """
        using System.Collections.Generic;
        using Klaviyo.Destinations;

        public sealed class Plain { public string? Email { get; set; } }

        [KlaviyoEvent("Signed Up")] public sealed record SignedUp(string Plan);

        public static class Helpers
        {
            public static void Send<T>(Analytics analytics, string userId, T payload) => analytics.Track(userId, "Signed Up", payload);
            public static void Remember<TKey, TTraits>(Analytics analytics, TKey key, TTraits traits) => analytics.Identify(key?.ToString(), traits);
            public static void Log<T>(T value) { }
        }
        """;

    private static Task VerifyAsync(string source) =>
        Verify<PayloadTypeAnalyzer, EmptyCodeFixProvider>.AnalyzerAsync(Helpers + "\n" + source);

    [Fact]
    public async Task Reports_an_anonymous_object_or_a_plain_class_passed_through_a_generic_helper()
    {
        await VerifyAsync("""
            public static class Calls
            {
                public static void Run(Analytics analytics)
                {
                    Helpers.Send(analytics, "u", {|KLV2012:new { Plan = "pro" }|});
                    Helpers.Send(analytics, "u", {|KLV2012:new Plain()|});
                    Helpers.Remember(analytics, 42, {|KLV2012:new { Email = "ada@example.com" }|});
                }
            }
            """);
    }

    [Fact]
    public async Task Payloads_the_runtime_maps_by_their_type_and_helpers_that_do_not_reach_Analytics_are_left_alone()
    {
        await VerifyAsync("""
            public static class Calls
            {
                public static void Run(Analytics analytics)
                {
                    Helpers.Send(analytics, "u", new SignedUp("pro"));                         // a model: found by its runtime type
                    Helpers.Send(analytics, "u", new Dictionary<string, object?> { ["plan"] = "pro" });
                    Helpers.Send<object>(analytics, "u", new SignedUp("pro"));
                    Helpers.Remember(analytics, new { Id = 1 }, new Dictionary<string, object?>()); // the anonymous one is the key, not the traits
                    Helpers.Log(new { Plan = "pro" });                                           // never reaches Analytics
                    analytics.Track("u", "Signed Up", new { Plan = "pro" });                     // direct: intercepted
                }
            }
            """);
    }

    [Fact]
    public async Task The_message_names_the_helper_and_the_Analytics_call()
    {
        var diagnostic = await AnalyzerRunner.SingleAsync(new PayloadTypeAnalyzer(), Helpers + """

            public static class Calls
            {
                public static void Run(Analytics analytics) => Helpers.Send(analytics, "u", new { Plan = "pro" });
            }
            """, "KLV2012");
        var message = diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        Assert.StartsWith("An anonymous object is passed to 'Send', which hands it to Analytics.Track as a type parameter", message, StringComparison.Ordinal);
        Assert.Contains("rejected at run time", message, StringComparison.Ordinal);
        Assert.Equal(Microsoft.CodeAnalysis.DiagnosticSeverity.Warning, diagnostic.Severity);
    }
}
