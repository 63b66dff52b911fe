extern alias KlaviyoAnalyzers;

using Klaviyo.Destinations.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis.Testing;
using MappedTypeAnalyzer = KlaviyoAnalyzers::Klaviyo.Destinations.Analyzers.MappedTypeAnalyzer;

namespace Klaviyo.Destinations.Generators.Tests.Analyzers;

public sealed class KLV1003InvalidEventNameTests
{
    private static readonly string s_longest = new('x', 127);
    private static readonly string s_tooLong = new('x', 128);

    private static Task VerifyAsync(string source) => Verify<MappedTypeAnalyzer, EmptyCodeFixProvider>.AnalyzerAsync(source);

    [Fact]
    public async Task Reports_empty_blank_and_too_long_names_on_the_argument()
    {
        await VerifyAsync($$"""
            using Klaviyo.Destinations;

            [KlaviyoEvent({|KLV1003:""|})]
            public sealed record Empty(string OrderId);

            [KlaviyoEvent({|KLV1003:"   "|})]
            public sealed record Blank(string OrderId);

            [KlaviyoEvent({|KLV1003:"{{s_tooLong}}"|})]
            public sealed record TooLong(string OrderId);
            """);
    }

    [Fact]
    public async Task Does_not_report_names_Klaviyo_accepts()
    {
        await VerifyAsync($$"""
            using Klaviyo.Destinations;

            [KlaviyoEvent("Placed Order")]
            public sealed record PlacedOrder(string OrderId);

            [KlaviyoEvent("{{s_longest}}")]
            public sealed record Longest(string OrderId);
            """);
    }

    [Fact]
    public async Task Message_says_what_is_wrong_and_the_limit()
    {
        var diagnostic = await AnalyzerRunner.SingleAsync(new MappedTypeAnalyzer(), $$"""
            using Klaviyo.Destinations;

            [KlaviyoEvent("{{s_tooLong}}")]
            public sealed record TooLong(string OrderId);
            """, "KLV1003");

        Assert.Equal(
            "[KlaviyoEvent] name of 'TooLong' is 128 characters long; Klaviyo metric names must be non-empty and at most 127 characters long",
            diagnostic.GetMessage());
    }
}
