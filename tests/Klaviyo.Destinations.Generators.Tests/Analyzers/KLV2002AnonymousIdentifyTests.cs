extern alias KlaviyoAnalyzers;

using Klaviyo.Destinations.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis.Testing;
using AnonymousPayloadAnalyzer = KlaviyoAnalyzers::Klaviyo.Destinations.Analyzers.AnonymousPayloadAnalyzer;

namespace Klaviyo.Destinations.Generators.Tests.Analyzers;

/// <summary>KLV2002 on an intercepted anonymous Identify payload that, with a null userId, can identify no one.</summary>
public sealed class KLV2002AnonymousIdentifyTests
{
    private static Task VerifyAsync(string source) =>
        Verify<AnonymousPayloadAnalyzer, EmptyCodeFixProvider>.AnalyzerAsync(source);

    [Fact]
    public async Task Reports_an_anonymous_identify_with_no_identifier_and_a_null_userId()
    {
        await VerifyAsync("""
            using Klaviyo.Destinations;

            public static class Calls
            {
                public static async System.Threading.Tasks.Task Run(Analytics analytics)
                {
                    analytics.Identify(null, {|KLV2002:new { FirstName = "Ada", City = "London" }|});
                    analytics.Identify(default, {|KLV2002:new { FirstName = "Ada" }|}, options: null);
                    await analytics.IdentifyAsync(null, {|KLV2002:new { LastName = "Lovelace" }|});
                }
            }
            """);
    }

    [Fact]
    public async Task Does_not_report_when_the_payload_or_the_call_can_name_the_person()
    {
        await VerifyAsync("""
            using Klaviyo.Destinations;

            public static class Calls
            {
                public static void Run(Analytics analytics, string? userId, string email, MessageOptions options)
                {
                    analytics.Identify(userId, new { FirstName = "Ada" });                 // a userId (maybe null at run time: not known here)
                    analytics.Identify("user-1", new { FirstName = "Ada" });
                    analytics.Identify(null, new { Email = email, FirstName = "Ada" });    // an identifier member
                    analytics.Identify(null, new { Phone = "+442071838750" });
                    analytics.Identify(null, new { ExternalId = 42 });
                    analytics.Identify(null, new { FirstName = "Ada" }, options);         // identities may name the person
                    analytics.AudienceEntered(null, "VIP", new { FirstName = "Ada" });    // not an Identify
                    analytics.Track(null, "Signed Up", new { Plan = "pro" });
                }
            }
            """);
    }

    [Fact]
    public async Task An_identifier_member_with_its_own_error_is_not_reported_twice()
    {
        await VerifyAsync("""
            using Klaviyo.Destinations;

            public static class Calls
            {
                public static void Run(Analytics analytics) =>
                    analytics.Identify(null, new { {|KLV2003:Email|} = 42, FirstName = "Ada" });
            }
            """);
    }

    [Fact]
    public async Task The_message_says_why_the_call_is_rejected_and_how_to_fix_it()
    {
        var diagnostic = await AnalyzerRunner.SingleAsync(new AnonymousPayloadAnalyzer(), """
            using Klaviyo.Destinations;

            public static class Calls
            {
                public static void Run(Analytics analytics) => analytics.Identify(null, new { FirstName = "Ada" });
            }
            """, "KLV2002");
        var message = diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains("This Identify passes no userId", message, StringComparison.Ordinal);
        Assert.Contains("rejected at run time", message, StringComparison.Ordinal);
        Assert.Contains("pass the person's userId", message, StringComparison.Ordinal);
        Assert.Equal(Microsoft.CodeAnalysis.DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.EndsWith("docs/diagnostics/KLV2002.md", diagnostic.Descriptor.HelpLinkUri, StringComparison.Ordinal);
    }
}
