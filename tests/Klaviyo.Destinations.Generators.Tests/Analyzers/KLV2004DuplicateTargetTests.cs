extern alias KlaviyoAnalyzers;

using Klaviyo.Destinations.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis.Testing;
using MappedMemberAnalyzer = KlaviyoAnalyzers::Klaviyo.Destinations.Analyzers.MappedMemberAnalyzer;

namespace Klaviyo.Destinations.Generators.Tests.Analyzers;

public sealed class KLV2004DuplicateTargetTests
{
    private static Task VerifyAsync(string source) => Verify<MappedMemberAnalyzer, EmptyCodeFixProvider>.AnalyzerAsync(source);

    [Fact]
    public async Task Reports_the_second_member_mapped_to_a_target()
    {
        await VerifyAsync("""
            using Klaviyo.Destinations;

            [KlaviyoProfile]
            public sealed class Customer
            {
                public string? Email { get; set; }
                [KlaviyoField(ProfileField.Email)] public string? {|KLV2004:Mail|} { get; set; }
                public string? Phone { get; set; }
                public string? {|KLV2004:PhoneNumber|} { get; set; }
                [CustomProperty("plan")] public string? Plan { get; set; }
                [CustomProperty("plan")] public string? {|KLV2004:Tier|} { get; set; }
            }

            [KlaviyoEvent("Placed Order")]
            public sealed record PlacedOrder(string OrderId, decimal Revenue, [Trait("$value")] decimal {|KLV2004:Total|});
            """);
    }

    [Fact]
    public async Task Does_not_report_distinct_targets()
    {
        await VerifyAsync("""
            using Klaviyo.Destinations;

            public sealed record PostalAddress(string? Street, string? City);

            [KlaviyoProfile]
            public sealed record Customer(string Email, string? Phone, [CustomProperty("plan")] string? Plan, PostalAddress? Address);
            """);
    }

    [Fact]
    public async Task Message_names_both_members_and_the_target()
    {
        var diagnostic = await AnalyzerRunner.SingleAsync(new MappedMemberAnalyzer(), """
            using Klaviyo.Destinations;

            [KlaviyoProfile]
            public sealed record Customer(string Email, [KlaviyoField(ProfileField.Email)] string? Mail);
            """, "KLV2004");

        Assert.Equal(
            "Member 'Mail' of 'Customer' maps to ProfileField.Email ('email'), which 'Email' already fills; map one of them elsewhere or mark it [NotMapped]",
            diagnostic.GetMessage());
    }

    [Fact]
    public async Task An_address_that_repeats_a_top_level_location_field_names_the_field()
    {
        var diagnostic = await AnalyzerRunner.SingleAsync(new MappedMemberAnalyzer(), """
            using Klaviyo.Destinations;

            public sealed record PostalAddress(string? Street, string? City);

            [KlaviyoProfile]
            public sealed record Customer(string Email, string? City, PostalAddress? Address);
            """, "KLV2004");

        Assert.Equal(
            "Member 'Address' of 'Customer' maps to ProfileField.City ('city'), which 'City' already fills; map one of them elsewhere or mark it [NotMapped]",
            diagnostic.GetMessage());
    }

    [Fact]
    public async Task An_address_with_two_members_for_one_field_names_them()
    {
        var diagnostic = await AnalyzerRunner.SingleAsync(new MappedMemberAnalyzer(), """
            using Klaviyo.Destinations;

            public sealed record PostalAddress(string? Street, string? Address1);

            [KlaviyoProfile]
            public sealed record Customer(string Email, PostalAddress? Address);
            """, "KLV2004");

        Assert.Equal(
            "Member 'Address.Address1' of 'Customer' maps to ProfileField.Address1 ('address1'), which 'Address.Street' already fills; map one of them elsewhere or mark it [NotMapped]",
            diagnostic.GetMessage());
    }
}
