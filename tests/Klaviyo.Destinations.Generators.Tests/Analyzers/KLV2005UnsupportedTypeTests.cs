extern alias KlaviyoAnalyzers;
extern alias KlaviyoCodeFixes;

using Klaviyo.Destinations.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis.Testing;
using MappedMemberAnalyzer = KlaviyoAnalyzers::Klaviyo.Destinations.Analyzers.MappedMemberAnalyzer;
using UnsupportedTypeCodeFixProvider = KlaviyoCodeFixes::Klaviyo.Destinations.CodeFixes.UnsupportedTypeCodeFixProvider;

namespace Klaviyo.Destinations.Generators.Tests.Analyzers;

public sealed class KLV2005UnsupportedTypeTests
{
    private static Task VerifyAsync(string source) => Verify<MappedMemberAnalyzer, UnsupportedTypeCodeFixProvider>.AnalyzerAsync(source);

    [Fact]
    public async Task Reports_members_with_no_json_form()
    {
        await VerifyAsync("""
            using System;
            using System.Threading.Tasks;
            using Klaviyo.Destinations;

            [KlaviyoProfile]
            public sealed class Customer
            {
                public string? Email { get; set; }
                public Func<int>? {|KLV2005:Score|} { get; set; }
                [CustomProperty("pending")] public Task? {|KLV2005:Pending|} { get; set; }
                public IntPtr {|KLV2005:Handle|};
            }
            """);
    }

    [Fact]
    public async Task Does_not_report_values_with_a_json_form_or_members_not_sent()
    {
        await VerifyAsync("""
            using System;
            using System.Collections.Generic;
            using System.Text.Json;
            using Klaviyo.Destinations;

            public sealed record Badge(string Name, int Level);
            public enum Tier { Bronze, Gold }

            [KlaviyoProfile]
            public sealed class Customer
            {
                public string? Email { get; set; }
                [CustomProperty] public Tier Tier { get; set; }
                [CustomProperty] public List<Badge>? Badges { get; set; }
                [CustomProperty] public IDictionary<string, object?>? Extra { get; set; }
                [CustomProperty] public JsonElement Raw { get; set; }
                [CustomProperty] public DateOnly Birthday { get; set; }
                [NotMapped] public Func<int>? Score { get; set; }
            }
            """);
    }

    [Fact]
    public async Task Message_names_the_type_and_what_would_work()
    {
        var diagnostic = await AnalyzerRunner.SingleAsync(new MappedMemberAnalyzer(), """
            using System;
            using Klaviyo.Destinations;

            [KlaviyoProfile]
            public sealed record Customer(string Email, [CustomProperty] Func<int>? Score);
            """, "KLV2005");

        Assert.Equal(
            "Member 'Score' of 'Customer' has type 'Func<int>?', which cannot be written to Klaviyo; use a string, number, boolean, date, Guid, Uri, enum, collection, dictionary, JSON value or a class or struct declared in your code, or mark it [NotMapped]",
            diagnostic.GetMessage());
    }

    [Fact]
    public async Task Fix_marks_every_such_member_NotMapped()
    {
        await Verify<MappedMemberAnalyzer, UnsupportedTypeCodeFixProvider>.CodeFixAsync("""
            using System;
            using Klaviyo.Destinations;

            [KlaviyoProfile]
            public sealed class Customer
            {
                public string? Email { get; set; }

                public Func<int>? {|KLV2005:Score|} { get; set; }

                public IntPtr {|KLV2005:Handle|};
            }

            [KlaviyoEvent("Checked Out")]
            public sealed record CheckedOut(string OrderId, Action? {|KLV2005:Callback|});
            """, """
            using System;
            using Klaviyo.Destinations;

            [KlaviyoProfile]
            public sealed class Customer
            {
                public string? Email { get; set; }

                [NotMapped]
                public Func<int>? Score { get; set; }

                [NotMapped]
                public IntPtr Handle;
            }

            [KlaviyoEvent("Checked Out")]
            public sealed record CheckedOut(string OrderId, [NotMapped] Action? Callback);
            """, "Klaviyo.NotMapped");
    }
}
