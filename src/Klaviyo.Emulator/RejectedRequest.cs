namespace Klaviyo.Emulator;

/// <summary>A request the emulator answered with a 4xx or 5xx status, with the reasons it gave.</summary>
/// <param name="Time">When it arrived (emulator clock).</param>
/// <param name="Method">HTTP method.</param>
/// <param name="Path">Request path (without query).</param>
/// <param name="Status">Status code answered.</param>
/// <param name="Errors">The JSON:API errors sent back (empty for injected connection resets).</param>
public sealed record RejectedRequest(
    DateTimeOffset Time,
    string Method,
    string Path,
    int Status,
    IReadOnlyList<KlaviyoApiError> Errors)
{
    /// <summary>The query string as sent (with its leading <c>?</c>), or empty.</summary>
    public string Query { get; init; } = string.Empty;

    /// <summary>The request body as text (cut at 16 KB), or null when none was read.</summary>
    public string? Body { get; init; }
}
