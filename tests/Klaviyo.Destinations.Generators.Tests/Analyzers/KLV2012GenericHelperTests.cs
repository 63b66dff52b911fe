extern alias KlaviyoAnalyzers;

using Klaviyo.Destinations.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis.Testing;
using PayloadTypeAnalyzer = KlaviyoAnalyzers::Klaviyo.Destinations.Analyzers.PayloadTypeAnalyzer;

namespace Klaviyo.Destinations.Generators.Tests.Analyzers;

/// <summary>
/// KLV2012: a payload that reaches Analytics through a user's generic helpers and that nothing can map there. Anonymous
/// objects are mapped (the generator registers their mapper), so only what really fails at run time is reported.
/// </summary>
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
            public static void Relay<TPayload>(Analytics analytics, string userId, TPayload payload) => Send(analytics, userId, payload);
            public static void Quick<T>(Analytics analytics, string userId, T payload) => analytics.Track(userId, payload);
            public static void Log<T>(T value) { }
        }
        """;

    private static Task VerifyAsync(string source) =>
        Verify<PayloadTypeAnalyzer, EmptyCodeFixProvider>.AnalyzerAsync(Helpers + "\n" + source);

    [Fact]
    public async Task Anonymous_objects_through_one_or_two_helper_levels_are_mapped_and_not_reported()
    {
        await VerifyAsync("""
            public static class Calls
            {
                public static void Run(Analytics analytics)
                {
                    Helpers.Send(analytics, "u", new { Plan = "pro" });                          // one level: registered by the generator
                    Helpers.Relay(analytics, "u", new { Plan = "pro", Seats = 3 });              // two levels
                    Helpers.Remember(analytics, 42, new { Email = "ada@example.com" });          // a profile
                    var payload = new { OrderId = "o-1", Revenue = 9.5m };
                    Helpers.Send(analytics, "u", payload);
                }
            }
            """);
    }

    [Fact]
    public async Task Reports_what_no_mapper_can_reach_through_a_helper()
    {
        await VerifyAsync("""
            public static class Calls
            {
                private sealed class Hidden { public string? Name { get; set; } }

                public static void Run(Analytics analytics)
                {
                    Helpers.Send(analytics, "u", {|KLV2012:new Plain()|});                          // an unannotated class
                    Helpers.Relay(analytics, "u", {|KLV2012:new Plain()|});                         // … through two levels
                    Helpers.Quick(analytics, "u", {|KLV2012:new { Plan = "pro" }|});                // Track without an event name
                    Helpers.Send(analytics, "u", {|KLV2012:new { Secret = new Hidden() }|});        // a member type generated code cannot name
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
                    Helpers.Remember(analytics, new Plain(), new Dictionary<string, object?>()); // the plain class is the key, not the traits
                    Helpers.Log(new Plain());                                                    // never reaches Analytics
                    analytics.Track("u", "Signed Up", new { Plan = "pro" });                     // direct: intercepted
                }
            }
            """);
    }

    [Fact]
    public async Task The_message_names_the_helper_the_Analytics_call_and_why()
    {
        var plain = Message(await AnalyzerRunner.SingleAsync(new PayloadTypeAnalyzer(), Helpers + """

            public static class Calls
            {
                public static void Run(Analytics analytics) => Helpers.Relay(analytics, "u", new Plain());
            }
            """, "KLV2012"));
        Assert.StartsWith("'Plain' is passed to 'Relay', which hands it to Analytics.Track as a type parameter, and the call is rejected at run time: 'Plain' is neither [KlaviyoProfile] nor [KlaviyoEvent]", plain, StringComparison.Ordinal);

        var diagnostic = await AnalyzerRunner.SingleAsync(new PayloadTypeAnalyzer(), Helpers + """

            public static class Calls
            {
                public static void Run(Analytics analytics) => Helpers.Quick(analytics, "u", new { Plan = "pro" });
            }
            """, "KLV2012");
        Assert.StartsWith("An anonymous object is passed to 'Quick', which hands it to Analytics.Track as a type parameter, and the call is rejected at run time: Track(userId, payload) takes the event name from a [KlaviyoEvent] model",
            Message(diagnostic), StringComparison.Ordinal);
        Assert.Equal(Microsoft.CodeAnalysis.DiagnosticSeverity.Warning, diagnostic.Severity);

        static string Message(Microsoft.CodeAnalysis.Diagnostic d) => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
    }
}
