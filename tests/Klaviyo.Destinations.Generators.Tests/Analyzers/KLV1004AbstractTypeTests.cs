extern alias KlaviyoAnalyzers;

using Klaviyo.Destinations.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis.Testing;
using MappedTypeAnalyzer = KlaviyoAnalyzers::Klaviyo.Destinations.Analyzers.MappedTypeAnalyzer;

namespace Klaviyo.Destinations.Generators.Tests.Analyzers;

public sealed class KLV1004AbstractTypeTests
{
    private static Task VerifyAsync(string source) => Verify<MappedTypeAnalyzer, EmptyCodeFixProvider>.AnalyzerAsync(source);

    [Fact]
    public async Task Reports_abstract_profile_and_event_types()
    {
        await VerifyAsync("""
            using Klaviyo.Destinations;

            [KlaviyoProfile]
            public abstract class {|KLV1004:Person|}
            {
                public string? Email { get; set; }
            }

            [KlaviyoEvent("Order Completed")]
            public abstract record {|KLV1004:OrderEvent|}(string OrderId);

            [KlaviyoProfile]
            public sealed class Customer : Person
            {
                public string? LastName { get; set; }
            }
            """);
    }

    [Fact]
    public async Task Message_says_to_annotate_the_concrete_subclasses()
    {
        var diagnostic = await AnalyzerRunner.SingleAsync(new MappedTypeAnalyzer(), """
            using Klaviyo.Destinations;

            [KlaviyoProfile]
            public abstract class Person { public string? Email { get; set; } }
            """, "KLV1004");

        Assert.Equal(
            "[KlaviyoProfile] type 'Person' is abstract, so no mapper is generated for it and its subclasses would be rejected at run time; annotate each concrete subclass with [KlaviyoProfile] instead (its mapper includes the inherited members)",
            diagnostic.GetMessage());
    }
}
