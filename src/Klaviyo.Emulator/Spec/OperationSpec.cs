namespace Klaviyo.Emulator.Spec;

/// <summary>What the emulator needs to know about one operation of the OpenAPI document.</summary>
/// <param name="OperationId">The spec's <c>operationId</c>, e.g. <c>create_event</c>.</param>
/// <param name="Method">Upper-case HTTP method.</param>
/// <param name="PathTemplate">The spec's path template, e.g. <c>/api/lists/{id}/relationships/profiles</c>.</param>
/// <param name="RequestSchemaRef">The <c>$ref</c> of the request body schema, or null for operations without a body.</param>
/// <param name="RateLimits">The operation's <c>x-klaviyo-ratelimit</c> windows (burst, steady, daily).</param>
internal sealed record OperationSpec(
    string OperationId,
    string Method,
    string PathTemplate,
    string? RequestSchemaRef,
    IReadOnlyList<RateLimitRule> RateLimits)
{
    /// <summary>The query parameters the operation declares, by name; any other is a 400 like the live API's.</summary>
    public IReadOnlyDictionary<string, QueryParameterSpec> QueryParameters { get; init; } = new Dictionary<string, QueryParameterSpec>(StringComparer.Ordinal);
}
