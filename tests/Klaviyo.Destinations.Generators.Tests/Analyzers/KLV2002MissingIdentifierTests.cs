extern alias KlaviyoAnalyzers;

using Klaviyo.Destinations.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis.Testing;
using MappedMemberAnalyzer = KlaviyoAnalyzers::Klaviyo.Destinations.Analyzers.MappedMemberAnalyzer;

namespace Klaviyo.Destinations.Generators.Tests.Analyzers;

public sealed class KLV2002MissingIdentifierTests
{
    private static Task VerifyAsync(string source, params DiagnosticResult[] expected) =>
        Verify<MappedMemberAnalyzer, EmptyCodeFixProvider>.AnalyzerAsync(source, expected);

    [Fact]
    public async Task Reports_a_profile_nobody_can_be_identified_by()
    {
        await VerifyAsync("""
            using Klaviyo.Destinations;

            [KlaviyoProfile]
            public sealed record {|KLV2002:Visitor|}(string FirstName, string City, [NotMapped] string? Email);
            """);
    }

    [Theory]
    [InlineData("string Email")]
    [InlineData("string? PhoneNumber")]
    [InlineData("System.Guid ExternalId")]
    [InlineData("[KlaviyoField(ProfileField.Email)] string? Mail")]
    [InlineData("[Trait(\"phone_number\")] string? Contact")]
    public async Task Does_not_report_a_profile_with_an_identifier(string member)
    {
        await VerifyAsync($$"""
            using Klaviyo.Destinations;

            [KlaviyoProfile]
            public sealed record Customer({{member}}, string FirstName);
            """);
    }

    [Fact]
    public async Task Does_not_report_events()
    {
        await VerifyAsync("""
            using Klaviyo.Destinations;

            [KlaviyoEvent("Placed Order")]
            public sealed record PlacedOrder(string OrderId);
            """);
    }

    [Fact]
    public async Task A_broken_identifier_is_reported_once_as_its_own_problem()
    {
        await VerifyAsync("""
            using Klaviyo.Destinations;

            [KlaviyoProfile]
            public sealed record Customer(int {|KLV2003:Email|}, string FirstName);
            """);
    }

    [Fact]
    public async Task Message_says_how_to_fix_it()
    {
        var diagnostic = await AnalyzerRunner.SingleAsync(new MappedMemberAnalyzer(), """
            using Klaviyo.Destinations;

            [KlaviyoProfile]
            public sealed record Visitor(string FirstName);
            """, "KLV2002");

        Assert.Equal(
            "[KlaviyoProfile] type 'Visitor' has no member that identifies the person; add an Email, Phone or ExternalId member, or map one with [KlaviyoField(ProfileField.Email)], [KlaviyoField(ProfileField.PhoneNumber)] or [KlaviyoField(ProfileField.ExternalId)]",
            diagnostic.GetMessage());
    }
}
