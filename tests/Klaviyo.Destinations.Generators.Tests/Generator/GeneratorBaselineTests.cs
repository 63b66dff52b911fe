using Klaviyo.Destinations.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace Klaviyo.Destinations.Generators.Tests.Generator;

/// <summary>
/// The generated code for representative inputs matches the reviewed baselines and compiles with zero warnings.
/// Regenerate with <c>KLAVIYO_UPDATE_BASELINES=1 dotnet test</c>.
/// </summary>
public sealed class GeneratorBaselineTests
{
    public static TheoryData<string> Cases { get; } = new()
    {
        nameof(GeneratorInputs.ProfileWithEveryMember),
        nameof(GeneratorInputs.EventWithProducts),
        nameof(GeneratorInputs.NestedObjectAttributes),
        nameof(GeneratorInputs.NestedTypes),
        nameof(GeneratorInputs.GlobalNamespace),
        nameof(GeneratorInputs.DropOption),
        nameof(GeneratorInputs.TableLookups),
        nameof(GeneratorInputs.ModelShapes),
        nameof(GeneratorInputs.CollidingNames),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Generated_code_matches_its_baseline_and_compiles_without_warnings(string caseName)
    {
        var source = (string)typeof(GeneratorInputs).GetField(caseName)!.GetRawConstantValue()!;
        var input = Compilations.Create(source);
        AssertClean(input.GetDiagnostics(), "The input of '" + caseName + "'");

        var (result, output) = GeneratorRunner.Run(input);

        Assert.NotEmpty(result.GeneratedSources);
        Baselines.Verify(caseName, result.GeneratedSources
            .OrderBy(s => s.HintName, StringComparer.Ordinal)
            .Select(s => (s.HintName, s.SourceText.ToString()))
            .ToList());
        AssertClean(output.GetDiagnostics(), "The generated code of '" + caseName + "'");
    }

    [Fact]
    public void Drop_option_leaves_unmapped_members_out_of_the_mapper()
    {
        var (result, _) = GeneratorRunner.Run(Compilations.Create(GeneratorInputs.DropOption));
        var mapper = result.GeneratedSources.Single(s => s.HintName == "Shop.Customer.KlaviyoProfileMapper.g.cs").SourceText.ToString();

        Assert.DoesNotContain("LoyaltyPoints", mapper, StringComparison.Ordinal);
        Assert.DoesNotContain("Floor", mapper, StringComparison.Ordinal);
        Assert.Contains("value.Plan", mapper, StringComparison.Ordinal);
    }

    [Fact]
    public void Nested_objects_honour_attributes_on_record_positional_parameters()
    {
        var (result, _) = GeneratorRunner.Run(Compilations.Create(GeneratorInputs.NestedObjectAttributes));
        var mapper = result.GeneratedSources.Single(s => s.HintName == "Shop.Orders.OrderCompleted.KlaviyoEventMapper.g.cs").SourceText.ToString();
        var names = System.Text.RegularExpressions.Regex.Matches(mapper, "JsonEncodedText\\.Encode\\(\"([^\"]*)\"\\)").Select(m => m.Groups[1].Value);

        // Order, revenue and products, then the line item: Code → [Trait], Note → [CustomProperty("…")], ProductUrl →
        // [CustomProperty] (its own name, not the ecommerce spelling), InternalSku dropped, Size → [Trait("$size")],
        // Sku by convention, Bin → [CustomProperty] on a property, Cost dropped.
        Assert.Equal(["orderId", "revenue", "products", "product_id", "Gift Message", "ProductUrl", "size", "sku", "Warehouse Bin"], names);
        Assert.DoesNotContain("InternalSku", mapper, StringComparison.Ordinal);
        Assert.DoesNotContain("Cost", mapper, StringComparison.Ordinal);
    }

    [Fact]
    public void Hint_names_are_namespace_type_and_mapper_kind()
    {
        var (result, _) = GeneratorRunner.Run(Compilations.Create(GeneratorInputs.NestedTypes, GeneratorInputs.GlobalNamespace));

        Assert.Equal(
            [
                "Klaviyo.Destinations.Generated.KlaviyoGeneratedMappers.g.cs",
                "Shop.Accounts+Registration+Visitor.KlaviyoProfileMapper.g.cs",
                "Shop.Accounts+SignedUp.KlaviyoEventMapper.g.cs",
                "Subscriber.KlaviyoProfileMapper.g.cs",
                "ViewedProduct.KlaviyoEventMapper.g.cs",
            ],
            result.GeneratedSources.Select(s => s.HintName).OrderBy(n => n, StringComparer.Ordinal));
    }

    [Fact]
    public void Every_colliding_pair_gets_distinct_mapper_helper_and_file_names_and_compiles()
    {
        var input = Compilations.Create(GeneratorInputs.CollidingNames);
        AssertClean(input.GetDiagnostics(), "The input");

        var (result, output) = GeneratorRunner.Run(input);

        AssertClean(output.GetDiagnostics(), "The generated code");
        var hints = result.GeneratedSources.Select(s => s.HintName).ToList();
        Assert.Equal(hints.Count, hints.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        var text = string.Join("\n", result.GeneratedSources.Select(s => s.SourceText.ToString()));
        // Outer.Customer vs Outer_Customer; Outer_.Customer vs Wrapper._Customer/Wrapper_.Customer; Outer.Line vs Outer_Line.
        Assert.Contains("class Outer_nCustomer_KlaviyoProfileMapper", text, StringComparison.Ordinal);
        Assert.Contains("class Outer_uCustomer_KlaviyoProfileMapper", text, StringComparison.Ordinal);
        Assert.Contains("class Outer_u_nCustomer_KlaviyoEventMapper", text, StringComparison.Ordinal);
        Assert.Contains("class Wrapper_n_uCustomer_KlaviyoEventMapper", text, StringComparison.Ordinal);
        Assert.Contains("class Wrapper_u_nCustomer_KlaviyoEventMapper", text, StringComparison.Ordinal);
        Assert.Contains("Write_Shop_dOuter_nLine(", text, StringComparison.Ordinal);
        Assert.Contains("Write_Shop_dOuter_uLine(", text, StringComparison.Ordinal);
        Assert.Contains("EnumName_Shop_dOuter_nKind(", text, StringComparison.Ordinal);
        Assert.Contains("EnumName_Shop_dOuter_uKind(", text, StringComparison.Ordinal);
        // Namespace Shop.Outer2 + Customer vs class Shop.Outer2_ + nested Customer, and one type with both mappers.
        Assert.Contains("Shop.Outer2.Customer.KlaviyoProfileMapper.g.cs", hints);
        Assert.Contains("Shop.Outer2_+Customer.KlaviyoProfileMapper.g.cs", hints);
        Assert.Contains("Shop.Both.KlaviyoProfileMapper.g.cs", hints);
        Assert.Contains("Shop.Both.KlaviyoEventMapper.g.cs", hints);
    }

    [Fact]
    public void System_Text_Json_attributes_and_the_naming_policy_decide_the_sent_names()
    {
        var (result, _) = GeneratorRunner.Run(Compilations.Create(GeneratorInputs.ModelShapes));
        var profile = result.GeneratedSources.Single(s => s.HintName == "Shop.Member.KlaviyoProfileMapper.g.cs").SourceText.ToString();
        var profileNames = System.Text.RegularExpressions.Regex.Matches(profile, "JsonEncodedText\\.Encode\\(\"([^\"]*)\"\\)").Select(m => m.Groups[1].Value).ToList();

        Assert.Contains("ProfileField.FirstName, value.Given", profile, StringComparison.Ordinal);   // [JsonPropertyName("first_name")]
        Assert.DoesNotContain("PasswordHash", profile, StringComparison.Ordinal);                  // [JsonIgnore]
        Assert.Contains("tier_name", profileNames);                                               // explicit names are never respelled
        Assert.Contains("nickname", profileNames);                                                // WhenWritingNull still sends a value
        Assert.Contains("kept", profileNames);                                                    // [CustomProperty] wins over [JsonIgnore]
        Assert.Contains("wins", profileNames);                                                    // … and over [JsonPropertyName]
        Assert.DoesNotContain("ignored_name", profileNames);
        Assert.Contains("opensAt", profileNames);                                                 // camelCase policy

        var order = result.GeneratedSources.Single(s => s.HintName == "Shop.OrderCompleted.KlaviyoEventMapper.g.cs").SourceText.ToString();
        Assert.Contains("writer.SetValue((decimal?)value.Value);", order, StringComparison.Ordinal);
        Assert.Contains("writer.SetTime((global::System.DateTimeOffset?)value.Timestamp);", order, StringComparison.Ordinal);
        var orderNames = System.Text.RegularExpressions.Regex.Matches(order, "JsonEncodedText\\.Encode\\(\"([^\"]*)\"\\)").Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(["orderId", "value", "timestamp", "products", "taxes", "sku", "qty", "url", "gift_note"], orderNames);
    }

    [Fact]
    public void Types_the_analyzers_reject_get_no_mapper()
    {
        var (result, output) = GeneratorRunner.Run(Compilations.Create("""
            using Klaviyo.Destinations;

            [KlaviyoProfile]
            public sealed record Holder<T>(string Email, T Value);

            public class Shop
            {
                [KlaviyoProfile]
                private sealed record Hidden(string Email);
            }

            [KlaviyoEvent("")]
            public sealed record Nameless(string OrderId);

            [KlaviyoProfile]
            public abstract record Person(string Email);
            """));

        Assert.Empty(result.GeneratedSources);
        AssertClean(output.GetDiagnostics(), "The compilation");
    }

    private static void AssertClean(IEnumerable<Diagnostic> diagnostics, string what)
    {
        var problems = diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).Select(d => d.ToString()).ToList();
        Assert.True(problems.Count == 0, what + " has diagnostics:" + Environment.NewLine + string.Join(Environment.NewLine, problems));
    }
}
