namespace Klaviyo.Emulator;

/// <summary>A snapshot of one asynchronous bulk job.</summary>
/// <param name="Id">Job id.</param>
/// <param name="Type">JSON:API type, e.g. <c>profile-bulk-import-job</c>, <c>event-bulk-create-job</c>.</param>
/// <param name="Status"><c>queued</c> until its delay has passed, then <c>complete</c>.</param>
/// <param name="CreatedAt">When it was accepted.</param>
/// <param name="CompletedAt">When it completed, if it has.</param>
/// <param name="TotalCount">Rows in the job.</param>
/// <param name="CompletedCount">Rows applied.</param>
/// <param name="FailedCount">Rows that failed (see <paramref name="Errors"/>).</param>
/// <param name="Errors">Per-row errors (profile bulk import only).</param>
public sealed record EmulatedJob(
    string Id,
    string Type,
    string Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset? CompletedAt,
    int TotalCount,
    int CompletedCount,
    int FailedCount,
    IReadOnlyList<KlaviyoApiError> Errors);
