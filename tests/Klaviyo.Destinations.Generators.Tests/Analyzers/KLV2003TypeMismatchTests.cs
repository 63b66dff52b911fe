extern alias KlaviyoAnalyzers;

using Klaviyo.Destinations.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis.Testing;
using MappedMemberAnalyzer = KlaviyoAnalyzers::Klaviyo.Destinations.Analyzers.MappedMemberAnalyzer;

namespace Klaviyo.Destinations.Generators.Tests.Analyzers;

public sealed class KLV2003TypeMismatchTests
{
    private static Task VerifyAsync(string source) => Verify<MappedMemberAnalyzer, EmptyCodeFixProvider>.AnalyzerAsync(source);

    [Fact]
    public async Task Reports_members_whose_type_cannot_become_their_target()
    {
        await VerifyAsync("""
            using System;
            using Klaviyo.Destinations;

            public sealed record Employer(int Size);
            public sealed record PostalAddress(string? Street, string[]? {|#0:Lines|});

            [KlaviyoProfile]
            public sealed record Customer(
                string Email,
                string? {|KLV2003:Latitude|},
                [KlaviyoField(ProfileField.FirstName)] int {|KLV2003:Given|},
                Employer? {|KLV2003:Company|},
                PostalAddress? {|KLV2003:Address|});

            [KlaviyoEvent("Placed Order")]
            public sealed record PlacedOrder(
                string OrderId,
                string {|KLV2003:Revenue|},
                [KlaviyoEventField(EventField.Time)] string? {|KLV2003:When|},
                [KlaviyoField(ProfileField.Email)] string? {|KLV2003:Buyer|});
            """);
    }

    [Fact]
    public async Task Does_not_report_types_that_convert()
    {
        await VerifyAsync("""
            using System;
            using Klaviyo.Destinations;

            public sealed record Employer(string Name, int Size);

            [KlaviyoProfile]
            public sealed record Customer(
                string Email,
                decimal? Latitude,
                float Longitude,
                Guid ExternalId,
                Uri? Image,
                Employer? Company);

            [KlaviyoEvent("Placed Order")]
            public sealed record PlacedOrder(
                string OrderId,
                decimal Revenue,
                [KlaviyoEventField(EventField.Time)] DateTimeOffset When,
                [KlaviyoEventField(EventField.UniqueId)] long Sequence);
            """);
    }

    [Theory]
    [InlineData("string? Latitude", "Member 'Latitude' of 'Customer' has type 'string?', which cannot become ProfileField.Latitude ('latitude'); expected a number (double, float, decimal or an integer)")]
    [InlineData("[KlaviyoField(ProfileField.Email)] int Contact", "Member 'Contact' of 'Customer' has type 'int', which cannot become ProfileField.Email ('email'); expected string")]
    [InlineData("[KlaviyoEventField(EventField.Value)] string? Amount", "Member 'Amount' of 'Customer' has type 'string?', which cannot become an event field; [KlaviyoEventField] applies to members of [KlaviyoEvent] types; use [KlaviyoField] on a [KlaviyoProfile] type")]
    public async Task Message_names_member_type_target_and_what_is_expected(string member, string message)
    {
        var diagnostic = await AnalyzerRunner.SingleAsync(new MappedMemberAnalyzer(), $$"""
            using Klaviyo.Destinations;

            [KlaviyoProfile]
            public sealed record Customer(string Email, {{member}});
            """, "KLV2003");

        Assert.Equal(message, diagnostic.GetMessage());
    }

    [Fact]
    public async Task Event_value_from_a_non_number_is_explained()
    {
        var diagnostic = await AnalyzerRunner.SingleAsync(new MappedMemberAnalyzer(), """
            using Klaviyo.Destinations;

            [KlaviyoEvent("Placed Order")]
            public sealed record PlacedOrder(string OrderId, string Revenue);
            """, "KLV2003");

        Assert.Equal(
            "Member 'Revenue' of 'PlacedOrder' has type 'string', which cannot become EventField.Value ('value'); expected a number (double, float, decimal or an integer)",
            diagnostic.GetMessage());
    }
}
