extern alias KlaviyoAnalyzers;

using Klaviyo.Destinations.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis.Testing;
using MappedTypeAnalyzer = KlaviyoAnalyzers::Klaviyo.Destinations.Analyzers.MappedTypeAnalyzer;

namespace Klaviyo.Destinations.Generators.Tests.Analyzers;

public sealed class KLV1002InaccessibleTypeTests
{
    private static Task VerifyAsync(string source) => Verify<MappedTypeAnalyzer, EmptyCodeFixProvider>.AnalyzerAsync(source);

    [Fact]
    public async Task Reports_private_and_protected_types_and_types_inside_them()
    {
        await VerifyAsync("""
            using Klaviyo.Destinations;

            public class Shop
            {
                [KlaviyoProfile]
                private sealed record {|KLV1002:Customer|}(string Email);

                [KlaviyoEvent("Placed Order")]
                protected sealed record {|KLV1002:PlacedOrder|}(string OrderId);

                private static class Hidden
                {
                    [KlaviyoProfile]
                    public sealed record {|KLV1002:Visitor|}(string Email);
                }
            }
            """);
    }

    [Fact]
    public async Task Does_not_report_public_internal_or_protected_internal_types()
    {
        await VerifyAsync("""
            using Klaviyo.Destinations;

            public class Shop
            {
                [KlaviyoProfile]
                public sealed record Customer(string Email);

                [KlaviyoProfile]
                internal sealed record Visitor(string Email);

                [KlaviyoProfile]
                protected internal sealed record Member(string Email);
            }

            [KlaviyoProfile]
            internal sealed record TopLevel(string Email);
            """);
    }

    [Fact]
    public async Task Message_names_the_type_that_hides_it()
    {
        var diagnostic = await AnalyzerRunner.SingleAsync(new MappedTypeAnalyzer(), """
            using Klaviyo.Destinations;

            public class Shop
            {
                private static class Hidden
                {
                    [KlaviyoProfile]
                    public sealed record Visitor(string Email);
                }
            }
            """, "KLV1002");

        Assert.Equal(
            "[KlaviyoProfile] type 'Shop.Hidden.Visitor' cannot be mapped because 'Shop.Hidden' is private; make it internal or public so the generated mapper can see it",
            diagnostic.GetMessage());
    }
}
