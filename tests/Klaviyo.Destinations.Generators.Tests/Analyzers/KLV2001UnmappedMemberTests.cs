extern alias KlaviyoAnalyzers;
extern alias KlaviyoCodeFixes;

using Klaviyo.Destinations.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;
using MappedMemberAnalyzer = KlaviyoAnalyzers::Klaviyo.Destinations.Analyzers.MappedMemberAnalyzer;
using UnmappedMemberCodeFixProvider = KlaviyoCodeFixes::Klaviyo.Destinations.CodeFixes.UnmappedMemberCodeFixProvider;

namespace Klaviyo.Destinations.Generators.Tests.Analyzers;

public sealed class KLV2001UnmappedMemberTests
{
    private const string MapTo = "Klaviyo.MapToSuggestedField";
    private const string SendAsCustomProperty = "Klaviyo.SendAsCustomProperty";
    private const string DontSend = "Klaviyo.NotMapped";

    private static Task VerifyAsync(string source, params DiagnosticResult[] expected) =>
        Verify<MappedMemberAnalyzer, UnmappedMemberCodeFixProvider>.AnalyzerAsync(source, expected);

    private static Task VerifyFixAsync(string source, string fixedSource, string key, params DiagnosticResult[] remaining) =>
        Verify<MappedMemberAnalyzer, UnmappedMemberCodeFixProvider>.CodeFixAsync(source, fixedSource, key, remaining);

    [Fact]
    public async Task Reports_profile_members_that_match_no_field_and_never_event_members()
    {
        // An event model's members are its properties: sending them is the point, so there is nothing to decide and
        // no KLV2001 — trait-like names (FirstName, City) on an event included.
        await VerifyAsync("""
            using Klaviyo.Destinations;

            [KlaviyoProfile]
            public sealed record Customer(string Email, string FirstName, int {|KLV2001:LoyaltyPoints|});

            [KlaviyoEvent("Viewed Recipe")]
            public sealed class ViewedRecipe
            {
                public string? Name { get; set; }
                public int CookingMinutes { get; set; }
                public string? Chef;
                public string? FirstName { get; set; }
                public string? City { get; set; }
            }
            """);
    }

    [Fact]
    public async Task Message_spells_the_property_name_with_the_assembly_naming_policy()
    {
        var diagnostic = await AnalyzerRunner.SingleAsync(new MappedMemberAnalyzer(), """
            using Klaviyo.Destinations;

            [assembly: KlaviyoMappingOptions(PropertyNaming = PropertyNaming.SnakeCase)]

            [KlaviyoProfile]
            public sealed record Customer(string Email, int LoyaltyPoints);
            """, "KLV2001");

        Assert.Contains("it will be sent as custom property 'loyalty_points'", diagnostic.GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Does_not_report_mapped_marked_or_non_public_members()
    {
        await VerifyAsync("""
            using Klaviyo.Destinations;

            [KlaviyoProfile]
            public sealed class Customer
            {
                public string? Email { get; set; }
                public string? PostalCode { get; set; }
                [Trait("$firstname")] public string? Given { get; set; }
                [KlaviyoField(ProfileField.LastName)] public string? Family { get; set; }
                [CustomProperty("plan")] public string? Plan { get; set; }
                [CustomProperty] public int Points { get; set; }
                [NotMapped] public string? PasswordHash { get; set; }
                internal string? Secret { get; set; }
                public static string? Shared { get; set; }
                private string? _cache;
                public override string ToString() => _cache ?? "";
            }

            [KlaviyoEvent("Order Completed")]
            public sealed record OrderCompleted(string OrderId, decimal Revenue, string Currency, [NotMapped] string? Internal);
            """);
    }

    [Fact]
    public async Task Message_names_member_type_and_the_custom_property_it_becomes()
    {
        var diagnostic = await AnalyzerRunner.SingleAsync(new MappedMemberAnalyzer(), """
            using Klaviyo.Destinations;

            [KlaviyoProfile]
            public sealed record Customer(string Email, int LoyaltyPoints);
            """, "KLV2001");

        Assert.Equal(DiagnosticSeverity.Warning, diagnostic.Severity);
        Assert.Equal(
            "Trait 'LoyaltyPoints' of 'Customer' is not mapped to a Klaviyo field; it will be sent as custom property 'LoyaltyPoints' (mark it [CustomProperty] or [NotMapped] to make the choice explicit)",
            diagnostic.GetMessage());
        Assert.Equal("https://github.com/klaviyo-destinations/klaviyo-destinations/blob/main/docs/diagnostics/KLV2001.md", diagnostic.Descriptor.HelpLinkUri);
        Assert.Equal("LoyaltyPoints", diagnostic.Properties["PropertyName"]);
        Assert.False(diagnostic.Properties.ContainsKey("Suggestion"));
    }

    [Fact]
    public async Task Message_suggests_the_profile_field_a_synonym_names()
    {
        var diagnostic = await AnalyzerRunner.SingleAsync(new MappedMemberAnalyzer(), """
            using Klaviyo.Destinations;

            [KlaviyoProfile]
            public sealed record Customer(string Email, string? GivenName);
            """, "KLV2001");

        Assert.Equal(
            "Trait 'GivenName' of 'Customer' is not mapped to a Klaviyo field; it will be sent as custom property 'GivenName' — did you mean ProfileField.FirstName ('first_name')?",
            diagnostic.GetMessage());
        Assert.Equal("FirstName", diagnostic.Properties["Suggestion"]);
    }

    [Fact]
    public async Task Event_members_are_event_properties_without_a_diagnostic()
    {
        await VerifyAsync("""
            using Klaviyo.Destinations;

            [KlaviyoEvent("Called Support")]
            public sealed record CalledSupport(string? Mobile, string? LastName, int Minutes);
            """);
    }

    [Fact]
    public async Task Drop_option_says_the_member_will_be_dropped()
    {
        var diagnostic = await AnalyzerRunner.SingleAsync(new MappedMemberAnalyzer(), """
            using Klaviyo.Destinations;

            [assembly: KlaviyoMappingOptions(UnmappedTraits = UnmappedTraitHandling.Drop)]

            [KlaviyoProfile]
            public sealed record Customer(string Email, int LoyaltyPoints);
            """, "KLV2001");

        Assert.Equal(DiagnosticSeverity.Warning, diagnostic.Severity);
        Assert.Equal(
            "Trait 'LoyaltyPoints' of 'Customer' is not mapped to a Klaviyo field; it will be dropped (UnmappedTraits = Drop) (mark it [CustomProperty] to send it, or [NotMapped] to make the drop explicit)",
            diagnostic.GetMessage());
    }

    [Fact]
    public async Task Error_option_reports_an_error()
    {
        await VerifyAsync("""
            using Klaviyo.Destinations;

            [assembly: KlaviyoMappingOptions(UnmappedTraits = UnmappedTraitHandling.Error)]

            [KlaviyoProfile]
            public sealed record Customer(string Email, int {|#0:LoyaltyPoints|});
            """,
            new DiagnosticResult("KLV2001", DiagnosticSeverity.Error).WithLocation(0).WithArguments(
                "Trait", "LoyaltyPoints", "Customer",
                "unmapped members are errors in this assembly (UnmappedTraits = Error); map it to a Klaviyo field, or mark it [CustomProperty] or [NotMapped]"));
    }

    [Fact]
    public async Task Error_option_can_still_be_turned_off_in_editorconfig()
    {
        var test = new KlaviyoCodeFixTest<MappedMemberAnalyzer, EmptyCodeFixProvider>
        {
            TestCode = """
                using Klaviyo.Destinations;

                [assembly: KlaviyoMappingOptions(UnmappedTraits = UnmappedTraitHandling.Error)]

                [KlaviyoProfile]
                public sealed record Customer(string Email, int LoyaltyPoints);
                """,
        };
        test.AddEditorConfig("dotnet_diagnostic.KLV2001.severity = none");
        await test.RunAsync();
    }

    [Theory]
    [InlineData(ReportDiagnostic.Error, DiagnosticSeverity.Error)]
    [InlineData(ReportDiagnostic.Info, DiagnosticSeverity.Info)]
    public async Task Severity_follows_project_settings(ReportDiagnostic setting, DiagnosticSeverity expected)
    {
        var diagnostics = await AnalyzerRunner.RunAsync(new MappedMemberAnalyzer(), """
            using Klaviyo.Destinations;

            [KlaviyoProfile]
            public sealed record Customer(string Email, int LoyaltyPoints);
            """, new Dictionary<string, ReportDiagnostic> { ["KLV2001"] = setting });

        Assert.Equal(expected, Assert.Single(diagnostics).Severity);
    }

    [Fact]
    public async Task NoWarn_silences_it_even_in_error_mode()
    {
        var diagnostics = await AnalyzerRunner.RunAsync(new MappedMemberAnalyzer(), """
            using Klaviyo.Destinations;

            [assembly: KlaviyoMappingOptions(UnmappedTraits = UnmappedTraitHandling.Error)]

            [KlaviyoProfile]
            public sealed record Customer(string Email, int LoyaltyPoints);
            """, new Dictionary<string, ReportDiagnostic> { ["KLV2001"] = ReportDiagnostic.Suppress });

        Assert.Empty(diagnostics);
    }

    [Fact]
    public async Task Pragma_silences_it()
    {
        var diagnostics = await AnalyzerRunner.RunAsync(new MappedMemberAnalyzer(), """
            using Klaviyo.Destinations;

            [KlaviyoProfile]
            public sealed class Customer
            {
                public string? Email { get; set; }
            #pragma warning disable KLV2001
                public int LoyaltyPoints { get; set; }
            #pragma warning restore KLV2001
                public int Visits { get; set; }
            }
            """);

        Assert.Equal("Visits", Assert.Single(diagnostics).Properties["PropertyName"]);
    }

    [Fact]
    public async Task Reports_unmapped_members_of_a_nested_address_on_the_address_member()
    {
        await VerifyAsync("""
            using Klaviyo.Destinations;

            public sealed record PostalAddress(string? Street, string? City, string? PostalCode, string? {|#1:Apartment|});

            [KlaviyoProfile]
            public sealed record Customer(string Email, PostalAddress? {|#0:Address|});
            """,
            new DiagnosticResult("KLV2001", DiagnosticSeverity.Warning).WithLocation(0).WithLocation(1).WithArguments(
                "Trait", "Address.Apartment", "Customer",
                "it will be sent as custom property 'Apartment' (mark it [CustomProperty] or [NotMapped] to make the choice explicit)"));
    }

    [Fact]
    public async Task Fix_maps_a_positional_parameter_to_the_suggested_field_and_adds_the_using()
    {
        await VerifyFixAsync("""
            [Klaviyo.Destinations.KlaviyoProfile]
            public sealed record Customer(string Email, string {|KLV2001:GivenName|}, string? {|KLV2001:Mobile|});
            """, """
            using Klaviyo.Destinations;

            [Klaviyo.Destinations.KlaviyoProfile]
            public sealed record Customer(string Email, [KlaviyoField(ProfileField.FirstName)] string GivenName, [KlaviyoField(ProfileField.PhoneNumber)] string? Mobile);
            """, MapTo);
    }

    [Fact]
    public async Task Fix_maps_a_property_above_its_declaration_below_its_doc_comment()
    {
        await VerifyFixAsync("""
            using Klaviyo.Destinations;

            namespace Shop;

            [KlaviyoProfile]
            public sealed class Customer
            {
                public string? Email { get; set; }

                /// <summary>Where we post the parcel.</summary>
                public string? {|KLV2001:PostCode|} { get; set; }
            }
            """, """
            using Klaviyo.Destinations;

            namespace Shop;

            [KlaviyoProfile]
            public sealed class Customer
            {
                public string? Email { get; set; }

                /// <summary>Where we post the parcel.</summary>
                [KlaviyoField(ProfileField.Zip)]
                public string? PostCode { get; set; }
            }
            """, MapTo);
    }

    [Fact]
    public async Task Map_fix_is_only_offered_when_there_is_a_suggestion()
    {
        var source = """
            using Klaviyo.Destinations;

            [KlaviyoProfile]
            public sealed record Customer(string Email, int {|KLV2001:LoyaltyPoints|});
            """;
        await VerifyFixAsync(source, source, MapTo);
    }

    [Fact]
    public async Task Fix_sends_members_as_custom_properties_on_purpose()
    {
        await VerifyFixAsync("""
            using Klaviyo.Destinations;

            [KlaviyoProfile]
            public sealed class Customer
            {
                public string? Email { get; set; }
                public int {|KLV2001:LoyaltyPoints|} { get; set; }
                [ClearWhenNull]
                public string? {|KLV2001:Nickname|} { get; set; }
                [System.Obsolete] public int {|KLV2001:Legacy|};
            }
            """, """
            using Klaviyo.Destinations;

            [KlaviyoProfile]
            public sealed class Customer
            {
                public string? Email { get; set; }
                [CustomProperty]
                public int LoyaltyPoints { get; set; }
                [ClearWhenNull]
                [CustomProperty]
                public string? Nickname { get; set; }
                [System.Obsolete][CustomProperty] public int Legacy;
            }
            """, SendAsCustomProperty);
    }

    [Fact]
    public async Task Fix_does_not_send_members_and_fixes_all_of_them()
    {
        await VerifyFixAsync("""
            using Klaviyo.Destinations;

            [KlaviyoProfile]
            public sealed record Customer(
                string Email,
                int {|KLV2001:LoyaltyPoints|},
                [ClearWhenNull] string? {|KLV2001:Nickname|});
            """, """
            using Klaviyo.Destinations;

            [KlaviyoProfile]
            public sealed record Customer(
                string Email,
                [NotMapped] int LoyaltyPoints,
                [ClearWhenNull][NotMapped] string? Nickname);
            """, DontSend);
    }

    [Fact]
    public async Task Fix_marks_the_nested_address_member_in_its_own_file()
    {
        var test = new KlaviyoCodeFixTest<MappedMemberAnalyzer, UnmappedMemberCodeFixProvider>
        {
            CodeActionEquivalenceKey = DontSend,
        };
        test.TestState.Sources.Add(("/0/Customer.cs", """
            using Klaviyo.Destinations;

            [KlaviyoProfile]
            public sealed record Customer(string Email, PostalAddress? {|#0:Address|});
            """));
        test.TestState.Sources.Add(("/0/PostalAddress.cs", """
            /// <summary>Where parcels go.</summary>
            public sealed record PostalAddress(string? Street, string? {|#1:Apartment|}, string? {|#2:Floor|});
            """));
        test.ExpectedDiagnostics.Add(new DiagnosticResult("KLV2001", DiagnosticSeverity.Warning).WithLocation(0).WithLocation(1).WithArguments(
            "Trait", "Address.Apartment", "Customer", "it will be sent as custom property 'Apartment' (mark it [CustomProperty] or [NotMapped] to make the choice explicit)"));
        test.ExpectedDiagnostics.Add(new DiagnosticResult("KLV2001", DiagnosticSeverity.Warning).WithLocation(0).WithLocation(2).WithArguments(
            "Trait", "Address.Floor", "Customer", "it will be sent as custom property 'Floor' (mark it [CustomProperty] or [NotMapped] to make the choice explicit)"));
        test.FixedState.Sources.Add(("/0/Customer.cs", """
            using Klaviyo.Destinations;

            [KlaviyoProfile]
            public sealed record Customer(string Email, PostalAddress? Address);
            """));
        test.FixedState.Sources.Add(("/0/PostalAddress.cs", """
            using Klaviyo.Destinations;

            /// <summary>Where parcels go.</summary>
            public sealed record PostalAddress(string? Street, [NotMapped] string? Apartment, [NotMapped] string? Floor);
            """));
        await test.RunAsync();
    }
}
