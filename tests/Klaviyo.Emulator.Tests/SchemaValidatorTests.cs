using System.Text.Json;
using Klaviyo.Emulator.Spec;
using Klaviyo.Emulator.Validation;

namespace Klaviyo.Emulator.Tests;

/// <summary>
/// The C# validator against cases whose verdicts were checked with the reference tool
/// (<c>validate-klaviyo-requests &lt; Cases/validator-cases.ndjson</c> → "10 passed, 16 failed", the same split).
/// </summary>
public sealed class SchemaValidatorTests
{
    private static readonly SchemaValidator s_validator = new(OpenApiSpec.Instance);

    public static TheoryData<int> Cases()
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < File.ReadAllLines(CasesPath).Length; i++)
        {
            data.Add(i + 1);
        }

        return data;
    }

    private static string CasesPath => Path.Combine(AppContext.BaseDirectory, "Cases", "validator-cases.ndjson");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Agrees_with_the_reference_validator(int line)
    {
        using var doc = JsonDocument.Parse(File.ReadAllLines(CasesPath)[line - 1]);
        var root = doc.RootElement;
        var operation = OpenApiSpec.Instance.FindOperation(root.GetProperty("method").GetString()!, root.GetProperty("path").GetString()!);
        Assert.NotNull(operation?.RequestSchemaRef);

        var errors = s_validator.Validate(operation.RequestSchemaRef, root.GetProperty("body"));

        if (root.GetProperty("valid").GetBoolean())
        {
            Assert.Empty(errors);
        }
        else
        {
            Assert.Contains(root.GetProperty("pointer").GetString(), errors.Select(e => e.Pointer));
        }
    }

    [Fact]
    public void Every_request_schema_in_the_spec_resolves_and_requires_data()
    {
        using var empty = JsonDocument.Parse("{}");
        using var emptyData = JsonDocument.Parse("""{"data":{}}""");
        var withBodies = OpenApiSpec.Instance.Operations.Where(o => o.RequestSchemaRef is not null).ToArray();
        Assert.True(withBodies.Length > 50);
        foreach (var op in withBodies)
        {
            _ = s_validator.Validate(op.RequestSchemaRef!, empty.RootElement);
            _ = s_validator.Validate(op.RequestSchemaRef!, emptyData.RootElement);
        }

        foreach (var id in new[] { "create_event", "bulk_create_events", "create_or_update_profile", "bulk_import_profiles", "add_profiles_to_list",
                     "remove_profiles_from_list", "bulk_subscribe_profiles", "bulk_unsubscribe_profiles", "request_profile_deletion", "create_list" })
        {
            var errors = s_validator.Validate(OpenApiSpec.Instance.GetOperation(id).RequestSchemaRef!, empty.RootElement);
            Assert.Equal("/data", Assert.Single(errors).Pointer);
        }
    }

    [Theory]
    [InlineData("2026-01-01T12:00:00+00:00", true)]
    [InlineData("2026-01-01T12:00:00Z", true)]
    [InlineData("2026-01-01T12:00:00.123456", true)]
    [InlineData("2026-01-01", true)]
    [InlineData("01/02/2026", false)]
    [InlineData("2026-13-01T00:00:00Z", false)]
    public void Date_time_format(string text, bool valid) => Assert.Equal(valid, SchemaValidator.IsDateTime(text));

    [Fact]
    public void Rate_limits_are_read_from_the_spec()
    {
        var limits = OpenApiSpec.Instance.GetOperation("create_or_update_profile").RateLimits;
        Assert.Equal([("burst", 75, TimeSpan.FromSeconds(1)), ("steady", 750, TimeSpan.FromMinutes(1))], limits.Select(l => (l.Name, l.Limit, l.Window)));
        Assert.Contains(OpenApiSpec.Instance.GetOperation("create_list").RateLimits, l => l.Name == "daily" && l.Limit == 150);
    }
}
