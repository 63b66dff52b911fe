extern alias KlaviyoAnalyzers;

using Klaviyo.Destinations.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis.Testing;
using MappedMemberAnalyzer = KlaviyoAnalyzers::Klaviyo.Destinations.Analyzers.MappedMemberAnalyzer;
using MappedTypeAnalyzer = KlaviyoAnalyzers::Klaviyo.Destinations.Analyzers.MappedTypeAnalyzer;

namespace Klaviyo.Destinations.Generators.Tests.Analyzers;

public sealed class KLV1001GenericTypeTests
{
    private static Task VerifyAsync(string source) => Verify<MappedTypeAnalyzer, EmptyCodeFixProvider>.AnalyzerAsync(source);

    [Fact]
    public async Task Reports_a_generic_profile_and_a_type_nested_in_a_generic_type()
    {
        await VerifyAsync("""
            using Klaviyo.Destinations;

            [KlaviyoProfile]
            public sealed class {|KLV1001:Holder|}<T>
            {
                public string? Email { get; set; }
                public T? Value { get; set; }
            }

            public static class Outer<T>
            {
                [KlaviyoEvent("Viewed Page")]
                public sealed class {|KLV1001:PageView|}
                {
                    public string? Url { get; set; }
                }
            }
            """);
    }

    [Fact]
    public async Task Does_not_report_closed_types()
    {
        await VerifyAsync("""
            using System.Collections.Generic;
            using Klaviyo.Destinations;

            public static class Outer
            {
                [KlaviyoProfile]
                public sealed class Customer
                {
                    public string? Email { get; set; }
                    public List<string>? Tags { get; set; }
                }
            }
            """);
    }

    [Fact]
    public async Task Message_names_the_attribute_and_the_type()
    {
        var diagnostic = await AnalyzerRunner.SingleAsync(new MappedTypeAnalyzer(), """
            using Klaviyo.Destinations;

            [KlaviyoProfile]
            public sealed record Holder<T>(string Email, T Value);
            """, "KLV1001");

        Assert.Equal(
            "[KlaviyoProfile] type 'Holder' cannot be mapped because it is generic or nested in a generic type; map a closed, non-generic type instead",
            diagnostic.GetMessage());
    }

    [Fact]
    public async Task Member_rules_stay_quiet_on_a_type_that_cannot_be_mapped()
    {
        // KLV1001 is the one error to fix; KLV2001 for 'Value' would be noise.
        var diagnostics = await AnalyzerRunner.RunAsync(new MappedMemberAnalyzer(), """
            using Klaviyo.Destinations;

            [KlaviyoProfile]
            public sealed record Holder<T>(string Email, T Value);
            """);

        Assert.Empty(diagnostics);
    }
}
