using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Klaviyo.Destinations;

/// <summary>
/// Sends batches over HTTP: bulk jobs for several items, the single-item endpoints for one. A profile import job
/// answering 202 is followed (job status until complete, then its import errors) so a row Klaviyo refused becomes that
/// item's rejection. An event bulk job answering 202 has no job to follow: 202 means Klaviyo validated and accepted
/// every event. Error pointers of a 4xx are mapped back to the items they name.
/// </summary>
internal sealed class HttpBatchSender : IBatchSender
{
    private readonly KlaviyoTransport _transport;
    private readonly KlaviyoDestinationOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly AudienceSender _audiences;

    public HttpBatchSender(KlaviyoTransport transport, KlaviyoDestinationOptions options, TimeProvider time, ILogger logger)
    {
        _transport = transport;
        _options = options;
        _time = time;
        _logger = logger;
        ProfileIds = new ProfileIdCache(options.ProfileIdCacheSize);
        _audiences = new AudienceSender(transport, options, ProfileIds, logger);
    }

    public bool SupportsBulk => true;

    /// <summary>Klaviyo profile ids seen so far (from single profile upserts and look-ups), for list changes and deletions.</summary>
    public ProfileIdCache ProfileIds { get; }

    public async Task<BatchResult> SendAsync(Batch batch, CancellationToken cancellationToken)
    {
        if (AudienceSender.Handles(batch.Endpoint)) return await _audiences.SendAsync(batch, cancellationToken).ConfigureAwait(false);
        var body = BatchComposer.Compose(batch);
        _transport.Metrics?.BatchSent(KlaviyoTransport.Name(batch.Endpoint), batch.Count, body.Length);
        var answer = await _transport.SendAsync(batch.Endpoint, new Uri(_transport.BaseUrl, KlaviyoPaths.PathOf(batch.Endpoint)), body, cancellationToken).ConfigureAwait(false);
        if (answer.IsSuccess)
        {
            // A single upsert answers with the profile: remember its id, so list changes need no look-up.
            if (batch.Endpoint == KlaviyoEndpoint.ProfileImport) ProfileIds.RememberAnswer(answer.Body);
            return batch.Endpoint == KlaviyoEndpoint.ProfileBulkImport && _options.FollowImportJobs
                ? await FollowJobAsync(batch, answer, cancellationToken).ConfigureAwait(false)
                : BatchResult.Delivered(answer.Status);
        }
        var errors = ApiError.ReadAll(answer.Body);
        var result = BatchResult.From(answer, errors);
        if (result.Verdict == BatchVerdict.Retry) return result;
        if (!batch.IsBulk) return result with { Rejections = [new ItemRejection(0, result.Reason!, result.Field)], Splittable = false };
        var rejections = new List<ItemRejection>();
        var named = new HashSet<int>();
        foreach (var error in errors)
        {
            var (items, field) = BatchComposer.Locate(batch, error.Pointer);
            foreach (var index in items)
                if (named.Add(index)) rejections.Add(new ItemRejection(index, answer.Describe(error.Detail), field));
        }
        return result with { Rejections = rejections };
    }

    private async Task<BatchResult> FollowJobAsync(Batch batch, ApiAnswer accepted, CancellationToken cancellationToken)
    {
        var job = ReadJob(accepted.Body);
        if (job.Id is null) return BatchResult.Delivered(accepted.Status);
        var deadline = _time.GetUtcNow() + _options.JobFollowTimeout;
        var basePoll = _options.JobPollInterval / _options.RateLimitTimeScale;
        var poll = basePoll;
        var jobUri = new Uri(_transport.BaseUrl, KlaviyoPaths.PathOf(KlaviyoEndpoint.GetImportJob, job.Id));
        while (job.Status is not ("complete" or "cancelled"))
        {
            if (_time.GetUtcNow() >= deadline)
            {
                Log.JobNotFollowed(_logger, job.Id, job.Status, _options.JobFollowTimeout);
                return BatchResult.Delivered(accepted.Status);
            }
            await Task.Delay(poll, _time, cancellationToken).ConfigureAwait(false);
            poll = TimeSpan.FromTicks(Math.Min(poll.Ticks * 3 / 2, basePoll.Ticks * 10));
            var answer = await _transport.SendAsync(KlaviyoEndpoint.GetImportJob, jobUri, null, cancellationToken).ConfigureAwait(false);
            if (answer.IsSuccess) job = ReadJob(answer.Body) with { Id = job.Id };
            else if (!answer.IsTransient)
            {
                Log.JobNotFollowed(_logger, job.Id, answer.Describe(ApiError.ReadAll(answer.Body).FirstOrDefault()?.Detail), _options.JobFollowTimeout);
                return BatchResult.Delivered(accepted.Status);
            }
        }
        if (job.Status == "cancelled")
            return new BatchResult(BatchVerdict.Retry, accepted.Status, $"Klaviyo cancelled profile import job {job.Id}.");
        if (job.Failed == 0) return BatchResult.Delivered(accepted.Status);
        var rejections = await ReadImportErrorsAsync(batch, job.Id, job.Failed, deadline, cancellationToken).ConfigureAwait(false);
        return BatchResult.Delivered(accepted.Status) with { Rejections = rejections };
    }

    /// <summary>
    /// The items the job's import errors name, by pointer or else by the error's <c>original_payload</c>. When
    /// some failed rows cannot be tied to an item (or fewer rows are listed than the job says failed), the items no
    /// error named are reported as rejected with "unmatched import error": which of them failed is unknown, so none is
    /// reported delivered.
    /// </summary>
    private async Task<List<ItemRejection>> ReadImportErrorsAsync(Batch batch, string jobId, int failed, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        var rejections = new List<ItemRejection>();
        var named = new HashSet<int>();
        var matchedRows = 0;
        ApiError? unmatched = null;
        Uri? page = new(_transport.BaseUrl, KlaviyoPaths.PathOf(KlaviyoEndpoint.GetImportErrors, jobId) + "?page%5Bsize%5D=100");
        var wait = _options.JobPollInterval / _options.RateLimitTimeScale;
        while (page is not null)
        {
            var answer = await _transport.SendAsync(KlaviyoEndpoint.GetImportErrors, page, null, cancellationToken).ConfigureAwait(false);
            if (!answer.IsSuccess)
            {
                if (!answer.IsTransient || _time.GetUtcNow() >= deadline)
                {
                    Log.JobNotFollowed(_logger, jobId, answer.Describe(null), _options.JobFollowTimeout);
                    break;
                }
                await Task.Delay(answer.RetryAfter ?? wait, _time, cancellationToken).ConfigureAwait(false);
                continue;
            }
            page = null;
            using var document = JsonDocument.Parse(answer.Body);
            if (document.RootElement.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Array)
            {
                foreach (var row in data.EnumerateArray())
                {
                    if (!row.TryGetProperty("attributes", out var attributes) || attributes.ValueKind != JsonValueKind.Object) continue;
                    var error = ApiError.From(attributes);
                    var (items, field) = BatchComposer.Locate(batch, error.Pointer);
                    if (items.Count == 0 && attributes.TryGetProperty("original_payload", out var payload))
                        items = BatchComposer.LocateByPayload(batch, payload);
                    if (items.Count == 0)
                    {
                        unmatched ??= error;
                        continue;
                    }
                    matchedRows++;
                    foreach (var index in items)
                        if (named.Add(index))
                            rejections.Add(new ItemRejection(index, $"Klaviyo's profile import job {jobId} rejected this profile ({error.Code ?? "error"}): {error.Detail}", field));
                }
            }
            if (document.RootElement.TryGetProperty("links", out var links) && links.ValueKind == JsonValueKind.Object &&
                Mapping.JsonText.Member(links, "next") is { } next &&
                Uri.TryCreate(next, UriKind.Absolute, out var nextUri))
            {
                // Follow only links to Klaviyo itself: the API key must never travel to another host.
                page = Uri.Compare(nextUri, _transport.BaseUrl, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0 ? nextUri : null;
            }
        }
        if (unmatched is not null || matchedRows < failed)
        {
            var reason = $"Unmatched import error: Klaviyo's profile import job {jobId} reported {failed} failed profile(s) and not all could be tied to an item of this batch" +
                (unmatched is null ? " (the error list was incomplete)" : $" (first: {unmatched.Code ?? "error"}: {unmatched.Detail})") +
                "; this profile may not have been imported.";
            for (var i = 0; i < batch.Count; i++)
                if (named.Add(i)) rejections.Add(new ItemRejection(i, reason, unmatched?.Pointer));
        }
        return rejections;
    }

    private static JobState ReadJob(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (!document.RootElement.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object) return new JobState(null, "complete", 0);
            var id = Mapping.JsonText.Member(data, "id");
            var status = "complete";
            var failed = 0;
            if (data.TryGetProperty("attributes", out var attributes) && attributes.ValueKind == JsonValueKind.Object)
            {
                status = Mapping.JsonText.Member(attributes, "status") ?? status;
                if (attributes.TryGetProperty("failed_count", out var f) && f.ValueKind == JsonValueKind.Number && f.TryGetInt32(out var n)) failed = Math.Max(0, n);
            }
            return new JobState(id, status, failed);
        }
        catch (JsonException)
        {
            return new JobState(null, "complete", 0);
        }
    }

    private sealed record JobState(string? Id, string Status, int Failed);
}
