using System.Text.Json;

namespace Klaviyo.Destinations;

/// <summary>One JSON:API error of a Klaviyo answer: <c>detail</c> (or <c>title</c>), <c>code</c> and <c>source.pointer</c> (or <c>parameter</c>).</summary>
internal sealed record ApiError(string? Code, string? Detail, string? Pointer)
{
    /// <summary>Every error of an <c>{"errors":[…]}</c> body; empty when the body is not one.</summary>
    public static IReadOnlyList<ApiError> ReadAll(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty) return [];
        try
        {
            var reader = new Utf8JsonReader(body);
            using var document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.ValueKind != JsonValueKind.Object ||
                !document.RootElement.TryGetProperty("errors", out var errors) || errors.ValueKind != JsonValueKind.Array)
                return [];
            var list = new List<ApiError>(errors.GetArrayLength());
            foreach (var error in errors.EnumerateArray())
            {
                if (error.ValueKind != JsonValueKind.Object) continue;
                list.Add(From(error));
            }
            return list;
        }
        catch (JsonException)
        {
            return [];
        }
    }

    /// <summary>Reads an error object (also an import error's <c>attributes</c>).</summary>
    public static ApiError From(JsonElement error)
    {
        var detail = Text(error, "detail") ?? Text(error, "title");
        string? pointer = null;
        if (error.TryGetProperty("source", out var source) && source.ValueKind == JsonValueKind.Object)
            pointer = Text(source, "pointer") ?? Text(source, "parameter");
        return new ApiError(Text(error, "code"), detail, pointer);
    }

    private static string? Text(JsonElement element, string name) =>
        Mapping.JsonText.Member(element, name);
}
