using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Klaviyo.Emulator.Spec;

namespace Klaviyo.Emulator.Validation;

/// <summary>
/// Validates a JSON value against an OpenAPI 3.0 schema of the embedded spec. Covers the subset Klaviyo's request
/// schemas use: <c>$ref</c>, <c>type</c>, <c>nullable</c>, <c>properties</c>, <c>required</c>,
/// <c>additionalProperties</c>, <c>enum</c>, <c>items</c>, <c>minItems</c>/<c>maxItems</c>,
/// <c>minLength</c>/<c>maxLength</c>, <c>minimum</c>/<c>maximum</c>, <c>oneOf</c>/<c>anyOf</c>/<c>allOf</c> and the
/// <c>date-time</c> and <c>date</c> formats.
/// </summary>
/// <remarks>
/// Like Klaviyo's live API (and the reference tool <c>validate-klaviyo-requests</c>), object schemas that list their
/// properties, do not say <c>additionalProperties</c> and are not composed are <b>closed</b>: an unknown member is an
/// error. Two deliberate differences from that tool: <c>nullable: true</c> beside a <c>$ref</c> or a composition is
/// honoured (a present <c>null</c> is how a caller clears a field), and <c>date-time</c> is checked.
/// </remarks>
internal sealed partial class SchemaValidator
{
    private const int MaxErrors = 50;
    private readonly OpenApiSpec _spec;

    public SchemaValidator(OpenApiSpec spec) => _spec = spec;

    /// <summary>Validates <paramref name="value"/> against the schema named by <paramref name="schemaRef"/>.</summary>
    public IReadOnlyList<KlaviyoApiError> Validate(string schemaRef, JsonElement value)
    {
        var errors = new List<KlaviyoApiError>();
        Validate(_spec.ResolveRef(schemaRef), value, string.Empty, errors, null);
        return errors;
    }

    private void Validate(JsonElement schema, JsonElement value, string pointer, List<KlaviyoApiError> errors, string? resource)
    {
        if (errors.Count >= MaxErrors)
        {
            return;
        }

        if (value.ValueKind == JsonValueKind.Null && IsTrue(schema, "nullable"))
        {
            return;
        }

        if (schema.TryGetProperty("$ref", out var reference))
        {
            Validate(_spec.ResolveRef(reference.GetString()!), value, pointer, errors, resource);
            return;
        }

        if (schema.TryGetProperty("type", out var typeElement))
        {
            var type = typeElement.GetString()!;
            if (!HasType(value, type))
            {
                Add(errors, pointer, value.ValueKind == JsonValueKind.Null
                    ? "This field may not be null."
                    : $"Expected {Article(type)} {type}, got {Describe(value)}.");
                return;
            }
        }

        if (schema.TryGetProperty("enum", out var enumElement) && !enumElement.EnumerateArray().Any(e => JsonElement.DeepEquals(e, value)))
        {
            var allowed = string.Join(", ", enumElement.EnumerateArray().Select(e => e.GetRawText()));
            Add(errors, pointer, $"{value.GetRawText()} is not a valid choice; expected one of {allowed}.");
            return;
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                ValidateObject(schema, value, pointer, errors, ResourceName(value) ?? resource);
                break;
            case JsonValueKind.Array:
                ValidateArray(schema, value, pointer, errors, resource);
                break;
            case JsonValueKind.String:
                ValidateString(schema, value, pointer, errors);
                break;
            case JsonValueKind.Number:
                ValidateNumber(schema, value, pointer, errors);
                break;
        }

        ValidateComposition(schema, value, pointer, errors, resource);
    }

    private void ValidateObject(JsonElement schema, JsonElement value, string pointer, List<KlaviyoApiError> errors, string? resource)
    {
        schema.TryGetProperty("properties", out var properties);
        var hasProperties = properties.ValueKind == JsonValueKind.Object;

        if (schema.TryGetProperty("required", out var required))
        {
            foreach (var name in required.EnumerateArray())
            {
                var key = name.GetString()!;
                if (!value.TryGetProperty(key, out _))
                {
                    Add(errors, Child(pointer, key), $"'{key}' is a required field.");
                }
            }
        }

        var hasAdditional = schema.TryGetProperty("additionalProperties", out var additional);
        var closed = hasProperties && !hasAdditional && !IsComposed(schema);
        foreach (var member in value.EnumerateObject())
        {
            var memberPointer = Child(pointer, member.Name);
            if (hasProperties && properties.TryGetProperty(member.Name, out var memberSchema))
            {
                Validate(memberSchema, member.Value, memberPointer, errors, resource);
            }
            else if (hasAdditional && additional.ValueKind == JsonValueKind.False || closed)
            {
                Add(errors, memberPointer, resource is null ? $"'{member.Name}' is not a valid field." : $"'{member.Name}' is not a valid field for the resource '{resource}'.");
            }
            else if (hasAdditional && additional.ValueKind == JsonValueKind.Object)
            {
                Validate(additional, member.Value, memberPointer, errors, resource);
            }
        }
    }

    private void ValidateArray(JsonElement schema, JsonElement value, string pointer, List<KlaviyoApiError> errors, string? resource)
    {
        var count = value.GetArrayLength();
        if (schema.TryGetProperty("minItems", out var min) && count < min.GetInt32())
        {
            Add(errors, pointer, $"At least {min.GetInt32()} items are required; got {count}.");
        }

        if (schema.TryGetProperty("maxItems", out var max) && count > max.GetInt32())
        {
            Add(errors, pointer, $"At most {max.GetInt32()} items are allowed; got {count}.");
        }

        if (schema.TryGetProperty("items", out var items))
        {
            var i = 0;
            foreach (var item in value.EnumerateArray())
            {
                Validate(items, item, Child(pointer, i.ToString(CultureInfo.InvariantCulture)), errors, resource);
                i++;
            }
        }
    }

    private static void ValidateString(JsonElement schema, JsonElement value, string pointer, List<KlaviyoApiError> errors)
    {
        var text = value.GetString()!;
        if (schema.TryGetProperty("maxLength", out var max) && text.Length > max.GetInt32())
        {
            Add(errors, pointer, $"Ensure this field has no more than {max.GetInt32()} characters.");
        }

        if (schema.TryGetProperty("minLength", out var min) && text.Length < min.GetInt32())
        {
            Add(errors, pointer, $"Ensure this field has at least {min.GetInt32()} characters.");
        }

        if (schema.TryGetProperty("format", out var format))
        {
            switch (format.GetString())
            {
                case "date-time" when !IsDateTime(text):
                    Add(errors, pointer, $"'{Truncate(text)}' is not a valid ISO 8601 date-time.");
                    break;
                case "date" when !DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _):
                    Add(errors, pointer, $"'{Truncate(text)}' is not a valid date (YYYY-MM-DD).");
                    break;
            }
        }
    }

    private static void ValidateNumber(JsonElement schema, JsonElement value, string pointer, List<KlaviyoApiError> errors)
    {
        var number = value.GetDouble();
        if (schema.TryGetProperty("minimum", out var min) && number < min.GetDouble())
        {
            Add(errors, pointer, $"Ensure this value is greater than or equal to {min.GetRawText()}.");
        }

        if (schema.TryGetProperty("maximum", out var max) && number > max.GetDouble())
        {
            Add(errors, pointer, $"Ensure this value is less than or equal to {max.GetRawText()}.");
        }
    }

    private void ValidateComposition(JsonElement schema, JsonElement value, string pointer, List<KlaviyoApiError> errors, string? resource)
    {
        if (schema.TryGetProperty("allOf", out var allOf))
        {
            foreach (var part in allOf.EnumerateArray())
            {
                Validate(part, value, pointer, errors, resource);
            }
        }

        if (schema.TryGetProperty("anyOf", out var anyOf) && CountMatches(anyOf, value, pointer, resource, out var firstErrors) == 0)
        {
            AddBranchErrors(errors, pointer, firstErrors, "does not match any of the allowed shapes");
        }

        if (schema.TryGetProperty("oneOf", out var oneOf))
        {
            var matches = CountMatches(oneOf, value, pointer, resource, out var branchErrors);
            if (matches == 0)
            {
                AddBranchErrors(errors, pointer, branchErrors, "does not match any of the allowed shapes");
            }
            else if (matches > 1)
            {
                Add(errors, pointer, "The value matches more than one of the allowed shapes.");
            }
        }
    }

    private int CountMatches(JsonElement branches, JsonElement value, string pointer, string? resource, out List<KlaviyoApiError>? closestErrors)
    {
        var matches = 0;
        closestErrors = null;
        foreach (var branch in branches.EnumerateArray())
        {
            var scratch = new List<KlaviyoApiError>();
            Validate(branch, value, pointer, scratch, resource);
            if (scratch.Count == 0)
            {
                matches++;
            }
            else if (closestErrors is null || scratch.Count < closestErrors.Count)
            {
                closestErrors = scratch;
            }
        }

        return matches;
    }

    private static void AddBranchErrors(List<KlaviyoApiError> errors, string pointer, List<KlaviyoApiError>? branchErrors, string what)
    {
        // When the closest branch failed deeper than here, its errors point at the real culprit.
        if (branchErrors is { Count: > 0 } && branchErrors.All(e => e.Pointer != pointer))
        {
            errors.AddRange(branchErrors.Take(MaxErrors - errors.Count));
            return;
        }

        Add(errors, pointer, $"The value {what}.");
    }

    private static bool HasType(JsonElement value, string type) => type switch
    {
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "string" => value.ValueKind == JsonValueKind.String,
        "number" => value.ValueKind == JsonValueKind.Number,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        _ => true,
    };

    private static bool IsComposed(JsonElement schema) =>
        schema.TryGetProperty("allOf", out _) || schema.TryGetProperty("oneOf", out _) || schema.TryGetProperty("anyOf", out _);

    private static bool IsTrue(JsonElement schema, string keyword) =>
        schema.TryGetProperty(keyword, out var v) && v.ValueKind == JsonValueKind.True;

    internal static bool IsDateTime(string text) =>
        DateTimePattern().IsMatch(text)
        && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _);

    private static string? ResourceName(JsonElement value) =>
        value.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    private static string Article(string type) => type is "object" or "array" or "integer" ? "an" : "a";

    private static string Truncate(string text) => text.Length <= 64 ? text : text[..64] + "…";

    private static void Add(List<KlaviyoApiError> errors, string pointer, string detail)
    {
        if (errors.Count < MaxErrors)
        {
            errors.Add(new KlaviyoApiError(400, "invalid", "Invalid input.", detail, Pointer: pointer.Length == 0 ? "/" : pointer));
        }
    }

    /// <summary>Appends an escaped reference token to a JSON pointer (RFC 6901).</summary>
    internal static string Child(string pointer, string token) =>
        pointer + "/" + token.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}(:?\d{2})?)?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex DateTimePattern();
}
