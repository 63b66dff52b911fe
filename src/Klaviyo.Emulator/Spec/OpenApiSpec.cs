using System.Text.Json;

namespace Klaviyo.Emulator.Spec;

/// <summary>The embedded Klaviyo OpenAPI document, parsed once per process and shared read-only.</summary>
internal sealed class OpenApiSpec
{
    private const string ResourceName = "Klaviyo.Emulator.Spec.openapi-stable.json";
    private static readonly Lazy<OpenApiSpec> s_instance = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly JsonDocument _document;
    private readonly Dictionary<string, JsonElement> _schemas = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OperationSpec> _operations = new(StringComparer.Ordinal);

    private OpenApiSpec(JsonDocument document)
    {
        _document = document;
        var root = document.RootElement;
        Revision = root.GetProperty("info").GetProperty("version").GetString() ?? "2026-07-15";
        foreach (var schema in root.GetProperty("components").GetProperty("schemas").EnumerateObject())
        {
            _schemas[schema.Name] = schema.Value;
        }

        foreach (var path in root.GetProperty("paths").EnumerateObject())
        {
            foreach (var op in path.Value.EnumerateObject())
            {
                if (op.Value.ValueKind != JsonValueKind.Object || !op.Value.TryGetProperty("operationId", out var id))
                {
                    continue;
                }

                var operationId = id.GetString()!;
                _operations[operationId] = new OperationSpec(
                    operationId,
                    op.Name.ToUpperInvariant(),
                    path.Name,
                    ReadRequestSchema(op.Value),
                    ReadRateLimits(op.Value))
                {
                    QueryParameters = ReadQueryParameters(op.Value),
                };
            }
        }
    }

    /// <summary>The shared instance.</summary>
    public static OpenApiSpec Instance => s_instance.Value;

    /// <summary>The API revision the document describes (<c>info.version</c>).</summary>
    public string Revision { get; }

    /// <summary>All operations of the document.</summary>
    public IEnumerable<OperationSpec> Operations => _operations.Values;

    /// <summary>Looks up an operation by its <c>operationId</c>.</summary>
    public OperationSpec GetOperation(string operationId) =>
        _operations.TryGetValue(operationId, out var op)
            ? op
            : throw new InvalidOperationException($"Operation '{operationId}' is not in the embedded OpenAPI document.");

    /// <summary>Finds the operation for a method and a concrete path such as <c>/api/lists/Y6nRLr/relationships/profiles</c>.</summary>
    public OperationSpec? FindOperation(string method, string path)
    {
        var segments = path.Split('?')[0].TrimEnd('/').Split('/');
        foreach (var op in _operations.Values)
        {
            if (!string.Equals(op.Method, method, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var template = op.PathTemplate.TrimEnd('/').Split('/');
            if (template.Length == segments.Length
                && template.Zip(segments).All(p => p.First.StartsWith('{') || string.Equals(p.First, p.Second, StringComparison.Ordinal)))
            {
                return op;
            }
        }

        return null;
    }

    /// <summary>Resolves a local reference such as <c>#/components/schemas/ProfileUpsertQuery</c>.</summary>
    public JsonElement ResolveRef(string reference)
    {
        const string prefix = "#/components/schemas/";
        if (reference.StartsWith(prefix, StringComparison.Ordinal)
            && _schemas.TryGetValue(reference[prefix.Length..], out var schema))
        {
            return schema;
        }

        throw new InvalidOperationException($"Cannot resolve schema reference '{reference}'.");
    }

    private static string? ReadRequestSchema(JsonElement op)
    {
        if (op.TryGetProperty("requestBody", out var body)
            && body.TryGetProperty("content", out var content))
        {
            foreach (var media in content.EnumerateObject())
            {
                if (media.Value.TryGetProperty("schema", out var schema) && schema.TryGetProperty("$ref", out var r))
                {
                    return r.GetString();
                }
            }
        }

        return null;
    }

    private static Dictionary<string, QueryParameterSpec> ReadQueryParameters(JsonElement op)
    {
        var result = new Dictionary<string, QueryParameterSpec>(StringComparer.Ordinal);
        if (!op.TryGetProperty("parameters", out var parameters) || parameters.ValueKind != JsonValueKind.Array)
        {
            return result;
        }

        foreach (var parameter in parameters.EnumerateArray())
        {
            if (!parameter.TryGetProperty("in", out var location) || location.GetString() != "query")
            {
                continue;
            }

            var name = parameter.GetProperty("name").GetString()!;
            var schema = parameter.TryGetProperty("schema", out var s) ? s : default;
            var isList = schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("type", out var type) && type.GetString() == "array";
            var valuesSchema = isList && schema.TryGetProperty("items", out var items) ? items : schema;
            IReadOnlyList<string>? values = valuesSchema.ValueKind == JsonValueKind.Object && valuesSchema.TryGetProperty("enum", out var e)
                ? e.EnumerateArray().Select(v => v.ToString()).ToArray()
                : null;
            Dictionary<string, IReadOnlyList<string>>? filterFields = null;
            if (name == "filter" && parameter.TryGetProperty("description", out var description))
            {
                filterFields = ReadFilterFields(description.GetString() ?? string.Empty);
            }

            result[name] = new QueryParameterSpec(name, values, isList, filterFields);
        }

        return result;
    }

    /// <summary>Reads "`field`: `op`, `op`" lines of a filter parameter's description.</summary>
    private static Dictionary<string, IReadOnlyList<string>> ReadFilterFields(string description)
    {
        var fields = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var line in description.Split("<br>"))
        {
            var colon = line.IndexOf("`:", StringComparison.Ordinal);
            if (!line.StartsWith('`') || colon < 0)
            {
                continue;
            }

            var field = line[1..colon];
            var operators = line[(colon + 2)..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(o => o.Trim('`'))
                .ToArray();
            fields[field] = operators;
        }

        return fields;
    }

    private static IReadOnlyList<RateLimitRule> ReadRateLimits(JsonElement op)
    {
        var rules = new List<RateLimitRule>();
        if (!op.TryGetProperty("x-klaviyo-ratelimit", out var limits) || limits.ValueKind != JsonValueKind.Object)
        {
            return rules;
        }

        foreach (var limit in limits.EnumerateObject())
        {
            // Values look like "75/s", "750/m", "150/d".
            var text = limit.Value.GetString() ?? string.Empty;
            var slash = text.IndexOf('/', StringComparison.Ordinal);
            if (slash <= 0 || !int.TryParse(text.AsSpan(0, slash), out var count))
            {
                continue;
            }

            var window = text[(slash + 1)..] switch
            {
                "s" => TimeSpan.FromSeconds(1),
                "m" => TimeSpan.FromMinutes(1),
                "h" => TimeSpan.FromHours(1),
                "d" => TimeSpan.FromDays(1),
                _ => TimeSpan.Zero,
            };
            if (window > TimeSpan.Zero)
            {
                rules.Add(new RateLimitRule(limit.Name, count, window));
            }
        }

        return rules;
    }

    private static OpenApiSpec Load()
    {
        using var stream = typeof(OpenApiSpec).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"Embedded resource '{ResourceName}' is missing.");
        return new OpenApiSpec(JsonDocument.Parse(stream));
    }

    /// <summary>Keeps the parsed document alive for the process (the schemas are views into it).</summary>
    internal JsonElement Root => _document.RootElement;
}
