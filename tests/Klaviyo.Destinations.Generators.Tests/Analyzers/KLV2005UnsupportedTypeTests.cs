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
            "Member 'Score' of 'Customer' has type 'Func<int>?', which cannot be written to Klaviyo; use a string, number (including BigInteger, Int128, Half), boolean, date, time (DateTime, DateTimeOffset, DateOnly, TimeOnly, TimeSpan), Guid, Uri, enum, a collection of these, a dictionary with string keys and such values, a JSON value, or a class or struct declared in your code, or mark it [NotMapped]",
            diagnostic.GetMessage());
    }

    [Fact]
    public async Task Dictionaries_and_collections_are_told_which_part_is_wrong()
    {
        var diagnostics = await AnalyzerRunner.RunAsync(new MappedMemberAnalyzer(), """
            using System;
            using System.Collections.Generic;
            using Klaviyo.Destinations;

            [KlaviyoProfile]
            public sealed record Customer(string Email, [CustomProperty] Dictionary<int, string>? ById, [CustomProperty] Dictionary<string, Action>? Hooks, [CustomProperty] List<Action>? Callbacks);
            """);

        var messages = diagnostics.Where(d => d.Id == "KLV2005").Select(d => d.GetMessage()).OrderBy(m => m, StringComparer.Ordinal).ToList();
        Assert.Equal(3, messages.Count);
        Assert.Contains("use a dictionary with string keys (its keys become JSON property names)", messages[0], StringComparison.Ordinal);
        Assert.Contains("use a collection whose elements have a JSON form (its element type 'Action' has none)", messages[1], StringComparison.Ordinal);
        Assert.Contains("use a dictionary whose values have a JSON form (its value type 'Action' has none)", messages[2], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Typed_dictionaries_big_numbers_and_times_are_supported()
    {
        await VerifyAsync("""
            using System;
            using System.Collections.Generic;
            using System.Numerics;
            using Klaviyo.Destinations;

            [KlaviyoProfile]
            public sealed record Customer(string Email, [CustomProperty] Dictionary<string, int>? Scores, [CustomProperty] IReadOnlyDictionary<string, string>? Labels,
                [CustomProperty] BigInteger Big, [CustomProperty] Int128 Huge, [CustomProperty] Half Ratio, [CustomProperty] TimeOnly OpensAt, [CustomProperty] TimeSpan Tenure);
            """);
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
