extern alias KlaviyoAnalyzers;

using Klaviyo.Destinations.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis.Testing;
using MappedHierarchyAnalyzer = KlaviyoAnalyzers::Klaviyo.Destinations.Analyzers.MappedHierarchyAnalyzer;

namespace Klaviyo.Destinations.Generators.Tests.Analyzers;

public sealed class KLV2010UnannotatedDerivedTypeTests
{
    private static Task VerifyAsync(string source) => Verify<MappedHierarchyAnalyzer, EmptyCodeFixProvider>.AnalyzerAsync(source);

    [Fact]
    public async Task Reports_subclasses_that_add_members_without_their_own_attribute()
    {
        await VerifyAsync("""
            using Klaviyo.Destinations;

            [KlaviyoProfile]
            public class Person
            {
                public string? Email { get; set; }
            }

            public class {|KLV2010:Customer|} : Person
            {
                public string? LastName { get; set; }
            }

            public sealed class {|KLV2010:Vip|} : Customer
            {
                public int Level { get; set; }
            }

            [KlaviyoEvent("Viewed Page")]
            public record PageViewed(string Url);

            public sealed record {|KLV2010:ProductPageViewed|}(string Url, string ProductId) : PageViewed(Url);
            """);
    }

    [Fact]
    public async Task Does_not_report_annotated_subclasses_or_subclasses_that_add_nothing_sent()
    {
        await VerifyAsync("""
            using Klaviyo.Destinations;

            [KlaviyoProfile]
            public class Person
            {
                public string? Email { get; set; }
                public virtual string? LastName { get; set; }
            }

            [KlaviyoProfile]
            public sealed class Customer : Person
            {
                public string? City { get; set; }
            }

            public class Guest : Person
            {
                public override string? LastName { get; set; }
                [NotMapped] public string? Secret { get; set; }
                internal int Cache { get; set; }
            }

            public class Unrelated
            {
                public string? Name { get; set; }
            }
            """);
    }

    [Fact]
    public async Task Message_names_the_members_that_will_not_be_sent()
    {
        var diagnostic = await AnalyzerRunner.SingleAsync(new MappedHierarchyAnalyzer(), """
            using Klaviyo.Destinations;

            [KlaviyoProfile]
            public class Person { public string? Email { get; set; } }

            public sealed class Customer : Person { public string? LastName { get; set; } public string? City { get; set; } }
            """, "KLV2010");

        Assert.Equal(
            "'Customer' derives from [KlaviyoProfile] type 'Person' but is not annotated itself: an instance is mapped by the mapper of 'Person', so its members 'LastName', 'City' will not be sent; annotate 'Customer' with [KlaviyoProfile] too",
            diagnostic.GetMessage());
    }
}
