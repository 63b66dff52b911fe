extern alias KlaviyoAnalyzers;

using Klaviyo.Destinations.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis.Testing;
using ExternalIdCallAnalyzer = KlaviyoAnalyzers::Klaviyo.Destinations.Analyzers.ExternalIdCallAnalyzer;

namespace Klaviyo.Destinations.Generators.Tests.Analyzers;

public sealed class KLV2009ConflictingExternalIdTests
{
    private static Task VerifyAsync(string source) => Verify<ExternalIdCallAnalyzer, EmptyCodeFixProvider>.AnalyzerAsync(source);

    [Fact]
    public async Task Reports_a_userId_that_is_not_the_models_external_id_member()
    {
        await VerifyAsync("""
            using System;
            using System.Threading.Tasks;
            using Klaviyo.Destinations;

            [KlaviyoProfile]
            public sealed record Customer(string Email, string ExternalId);

            [KlaviyoProfile]
            public sealed record Member(string Email, [KlaviyoField(ProfileField.ExternalId)] Guid CrmId);

            public static class Calls
            {
                public static async Task Run(Analytics analytics, Customer customer, Member member, string sessionUser)
                {
                    analytics.Identify({|KLV2009:sessionUser|}, customer);
                    analytics.Identify({|KLV2009:"user-42"|}, member);
                    await analytics.IdentifyAsync({|KLV2009:sessionUser|}, customer);
                }
            }
            """);
    }

    [Fact]
    public async Task Does_not_report_the_same_member_null_or_models_without_an_external_id()
    {
        await VerifyAsync("""
            using System;
            using System.Collections.Generic;
            using Klaviyo.Destinations;

            [KlaviyoProfile]
            public sealed record Customer(string Email, string ExternalId);

            [KlaviyoProfile]
            public sealed record Member(string Email, [KlaviyoField(ProfileField.ExternalId)] Guid CrmId);

            [KlaviyoProfile]
            public sealed record Subscriber(string Email);

            [KlaviyoEvent("Signed Up")]
            public sealed record SignedUp(string Plan);

            public static class Calls
            {
                public static void Run(Analytics analytics, Customer customer, Member member, Subscriber subscriber, string sessionUser)
                {
                    analytics.Identify(customer.ExternalId, customer);
                    analytics.Identify(member.CrmId.ToString(), member);
                    analytics.Identify(null, customer);
                    analytics.Identify(sessionUser, subscriber);
                    analytics.Identify(sessionUser, new Dictionary<string, object?> { ["external_id"] = "x" });
                    analytics.Track(sessionUser, new SignedUp("pro"));
                }
            }
            """);
    }

    [Fact]
    public async Task Message_names_the_member_and_the_fix()
    {
        var diagnostic = await AnalyzerRunner.SingleAsync(new ExternalIdCallAnalyzer(), """
            using Klaviyo.Destinations;

            [KlaviyoProfile]
            public sealed record Customer(string Email, string ExternalId);

            public static class Calls
            {
                public static void Run(Analytics analytics, Customer customer) => analytics.Identify("user-1", customer);
            }
            """, "KLV2009");

        Assert.Equal(
            "This call passes a userId and 'Customer' also maps 'ExternalId' to external_id; the call's userId is sent (so Identify and Track reach one profile) and a different 'ExternalId' is left out with a warning; pass 'customer.ExternalId' as the userId, pass null, or mark 'ExternalId' [NotMapped]",
            diagnostic.GetMessage());
    }
}
