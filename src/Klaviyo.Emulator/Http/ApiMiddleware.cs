using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Klaviyo.Emulator.Faults;
using Klaviyo.Emulator.Validation;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Klaviyo.Emulator.Http;

/// <summary>
/// The checks every <c>/api/*</c> request goes through, in Klaviyo's order as far as it is known: legacy paths (410),
/// injected faults, the API key (401/403), the <c>revision</c> header (400), rate limits (429), the media type (415),
/// the payload size (413), JSON syntax and the OpenAPI schema (400). Then the handler runs; every answer is counted
/// and every rejection is kept with its reasons.
/// </summary>
internal sealed class ApiMiddleware
{
    /// <summary>The validated body of the request, as a mutable node (set in <see cref="HttpContext.Items"/>).</summary>
    public const string BodyItem = "klaviyo.body";

    /// <summary>Byte length of the request body (set in <see cref="HttpContext.Items"/>).</summary>
    public const string BodyLengthItem = "klaviyo.body-length";

    /// <summary>The request body as text, kept for the rejected-requests view (set in <see cref="HttpContext.Items"/>).</summary>
    public const string RawBodyItem = "klaviyo.raw-body";

    /// <summary>How much of a rejected request's body is kept.</summary>
    public const int MaxKeptBodyBytes = 16 * 1024;

    public const int MaxPayloadBytes = 5 * 1024 * 1024;
    public const int MaxStringBytes = 100 * 1024;

    private readonly RequestDelegate _next;
    private readonly EmulatorRuntime _runtime;

    public ApiMiddleware(RequestDelegate next, EmulatorRuntime runtime)
    {
        _next = next;
        _runtime = runtime;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path;
        if (!path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase))
        {
            await _next(context);
            return;
        }

        var operation = context.GetEndpoint()?.Metadata.GetMetadata<ApiOperation>();
        var key = operation?.Key ?? context.Request.Method + " " + path;
        var arrived = _runtime.Time.GetUtcNow();
        IReadOnlyList<KlaviyoApiError> errors = [];
        var aborted = false;
        try
        {
            errors = await RunAsync(context, operation, key, arrived);
            aborted = errors is AbortedMarker;
        }
        catch (ApiProblemException problem) when (!context.Response.HasStarted)
        {
            errors = problem.Errors;
            await WriteAsync(context, problem.Status, problem.Errors);
        }
        catch (Exception ex) when (!context.Response.HasStarted && ex is not OperationCanceledException)
        {
            // A request the handler could not process is answered (and counted) as the 500 it is, never as the 200 the
            // response held before the handler failed. Handlers validate and copy the whole body before changing state,
            // so nothing of such a request is applied.
            errors = [new KlaviyoApiError(500, "error", "A server error occurred.", $"The request could not be processed: {ex.GetType().Name}.")];
            await WriteAsync(context, 500, errors);
        }
        finally
        {
            // Aborted requests were recorded before the abort, so a client never sees the reset before the count.
            if (!aborted)
            {
                Record(context, key, arrived, context.Response.StatusCode, errors);
            }
        }
    }

    private void Record(HttpContext context, string key, DateTimeOffset arrived, int status, IReadOnlyList<KlaviyoApiError> errors)
    {
        _runtime.Counters.Record(key, status);
        if (status >= 400 || status == 0)
        {
            _runtime.RecordRejected(new RejectedRequest(arrived, context.Request.Method, context.Request.Path.Value ?? string.Empty, status, errors)
            {
                Query = context.Request.QueryString.Value ?? string.Empty,
                Body = context.Items[RawBodyItem] as string,
            });
        }
    }

    private async Task<IReadOnlyList<KlaviyoApiError>> RunAsync(HttpContext context, ApiOperation? operation, string key, DateTimeOffset arrived)
    {
        if (IsLegacy(context.Request.Path))
        {
            return await FailAsync(context, new KlaviyoApiError(410, "gone", "Gone.",
                "The v1/v2 APIs (/api/v1, /api/v2, /api/track, /api/identify) were retired on 2024-06-30. Use /api/events, /api/profile-import or the bulk subscription jobs with a revision header."));
        }

        await _runtime.Faults.DelayAsync(context.RequestAborted);
        var fault = _runtime.Faults.Next();
        switch (fault.Kind)
        {
            case FaultKind.Reset:
                Record(context, key, arrived, 0, []);
                context.Abort();
                return AbortedMarker.Instance;
            case FaultKind.Down:
                context.Response.Headers.RetryAfter = Seconds(fault.Remaining);
                context.Response.Headers["X-Emulator-Retry-After-Ms"] = Math.Max(1, (long)Math.Ceiling(fault.Remaining.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture);
                return await FailAsync(context, new KlaviyoApiError(503, "service_unavailable", "Service unavailable.", "The emulator is down on request (fault injection)."));
            case FaultKind.Fail:
                return await FailAsync(context, new KlaviyoApiError(fault.Status, fault.Status == 500 ? "error" : "service_unavailable",
                    fault.Status == 500 ? "A server error occurred." : "Service unavailable.", "Injected failure (fault injection)."));
        }

        if (CheckKey(context) is { } keyError)
        {
            return await FailAsync(context, keyError);
        }

        if (CheckRevision(context) is { } revisionError)
        {
            return await FailAsync(context, revisionError);
        }

        if (operation is null)
        {
            return context.GetEndpoint() is null
                ? await FailAsync(context, new KlaviyoApiError(404, "not_found", "Not found.", $"No API operation at {context.Request.Path}."))
                : await FailAsync(context, new KlaviyoApiError(405, "method_not_allowed", "Method not allowed.", $"Method \"{context.Request.Method}\" not allowed."));
        }

        var decision = _runtime.RateLimiter.Check(operation.Spec);
        if (!decision.Allowed)
        {
            context.Response.Headers.RetryAfter = Seconds(decision.RetryAfter);
            context.Response.Headers["X-Emulator-Retry-After-Ms"] = Math.Max(1, (long)Math.Ceiling(decision.RetryAfter.TotalMilliseconds)).ToString(CultureInfo.InvariantCulture);
            return await FailAsync(context, new KlaviyoApiError(429, "throttled", "Request was throttled.",
                $"Request was throttled. Expected available in {Seconds(decision.RetryAfter)} second(s)."));
        }

        if (decision.HasWindow)
        {
            context.Response.Headers["RateLimit-Limit"] = decision.Limit.ToString(CultureInfo.InvariantCulture);
            context.Response.Headers["RateLimit-Remaining"] = decision.Remaining.ToString(CultureInfo.InvariantCulture);
            context.Response.Headers["RateLimit-Reset"] = ((long)Math.Ceiling(decision.Reset.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }

        if (QueryValidator.Check(operation.Spec, context.Request.Query) is { } queryError)
        {
            return await FailAsync(context, queryError);
        }

        if (operation.Spec.RequestSchemaRef is { } schemaRef)
        {
            var bodyErrors = await ReadBodyAsync(context, schemaRef);
            if (bodyErrors.Count > 0)
            {
                return await FailAsync(context, bodyErrors);
            }
        }

        await _next(context);
        return [];
    }

    private async Task<IReadOnlyList<KlaviyoApiError>> ReadBodyAsync(HttpContext context, string schemaRef)
    {
        // The live API takes JSON:API's media type and plain JSON (Klaviyo's official SDKs and Segment send the latter).
        if (!MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var mediaType)
            || !(string.Equals(mediaType.MediaType.Value, JsonApi.MediaType, StringComparison.OrdinalIgnoreCase)
                 || string.Equals(mediaType.MediaType.Value, "application/json", StringComparison.OrdinalIgnoreCase)))
        {
            return [new KlaviyoApiError(415, "unsupported_media_type", "Unsupported media type.",
                $"Unsupported media type \"{context.Request.ContentType}\" in request; send \"{JsonApi.MediaType}\" or \"application/json\".")];
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxPayloadBytes)
            {
                return [new KlaviyoApiError(413, "request_too_large", "Request entity too large.",
                    $"The payload exceeds the {MaxPayloadBytes / (1024 * 1024)} MB limit.", Pointer: "/data")];
            }
        }

        context.Items[BodyLengthItem] = (int)buffer.Length;
        context.Items[RawBodyItem] = buffer.Length <= MaxKeptBodyBytes
            ? Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length)
            : Encoding.UTF8.GetString(buffer.GetBuffer(), 0, MaxKeptBodyBytes) + "…";
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length));
        }
        catch (JsonException ex)
        {
            return [new KlaviyoApiError(400, "parse_error", "Malformed request.", $"JSON parse error - {ex.Message}")];
        }

        using (document)
        {
            var errors = _runtime.Validator.Validate(schemaRef, document.RootElement);
            if (errors.Count > 0)
            {
                return errors;
            }

            var stringErrors = new List<KlaviyoApiError>();
            CheckStrings(document.RootElement, string.Empty, stringErrors);
            if (stringErrors.Count > 0)
            {
                return stringErrors;
            }

            context.Items[BodyItem] = JsonNode.Parse(document.RootElement.GetRawText());
        }

        return [];
    }

    /// <summary>Klaviyo's "any string ≤ 100 KB" limit, applied to every string value of every body.</summary>
    private static void CheckStrings(JsonElement element, string pointer, List<KlaviyoApiError> errors)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String when Encoding.UTF8.GetByteCount(element.GetString()!) > MaxStringBytes:
                errors.Add(new KlaviyoApiError(400, "invalid", "Invalid input.", $"A string may be at most {MaxStringBytes / 1024} KB.", Pointer: pointer));
                break;
            case JsonValueKind.Object:
                foreach (var member in element.EnumerateObject())
                {
                    CheckStrings(member.Value, SchemaValidator.Child(pointer, member.Name), errors);
                }

                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    CheckStrings(item, pointer + "/" + i.ToString(CultureInfo.InvariantCulture), errors);
                    i++;
                }

                break;
        }
    }

    private KlaviyoApiError? CheckKey(HttpContext context)
    {
        const string scheme = "Klaviyo-API-Key ";
        var header = context.Request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(header))
        {
            return new KlaviyoApiError(401, "not_authenticated", "Authentication credentials were not provided.",
                "Missing or invalid private key: send 'Authorization: Klaviyo-API-Key <private key>'.");
        }

        if (!header.StartsWith(scheme, StringComparison.Ordinal) || header.Length == scheme.Length)
        {
            return new KlaviyoApiError(401, "not_authenticated", "Incorrect authentication credentials.",
                "The Authorization header must be 'Klaviyo-API-Key <private key>'.");
        }

        var key = header[scheme.Length..].Trim();
        if (_runtime.Options.ForbiddenApiKeys.Contains(key))
        {
            return new KlaviyoApiError(403, "permission_denied", "You do not have permission to perform this action.",
                "This API key does not have the scopes this operation needs.");
        }

        if (_runtime.Options.ValidApiKeys is { Count: > 0 } valid && !valid.Contains(key))
        {
            return new KlaviyoApiError(401, "authentication_failed", "Incorrect authentication credentials.",
                "The private API key is not valid.");
        }

        return null;
    }

    private KlaviyoApiError? CheckRevision(HttpContext context)
    {
        var revision = context.Request.Headers["revision"].ToString();
        if (string.IsNullOrEmpty(revision))
        {
            return new KlaviyoApiError(400, "invalid", "Invalid input.", "The 'revision' header is required (format YYYY-MM-DD[.suffix]).", Parameter: "revision");
        }

        // A pre-release revision ("2026-07-15.pre") is accepted like its GA date, as the live API does.
        var date = revision.EndsWith(".pre", StringComparison.Ordinal) ? revision[..^4] : revision;
        return _runtime.Options.KnownRevisions.Contains(date)
            ? null
            : new KlaviyoApiError(400, "invalid", "Invalid input.", $"'{revision}' is not a valid revision.", Parameter: "revision");
    }

    private static bool IsLegacy(PathString path) =>
        path.StartsWithSegments("/api/v1", StringComparison.OrdinalIgnoreCase)
        || path.StartsWithSegments("/api/v2", StringComparison.OrdinalIgnoreCase)
        || path.StartsWithSegments("/api/track", StringComparison.OrdinalIgnoreCase)
        || path.StartsWithSegments("/api/identify", StringComparison.OrdinalIgnoreCase);

    private static string Seconds(TimeSpan t) => Math.Max(1, (long)Math.Ceiling(t.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    private static Task<IReadOnlyList<KlaviyoApiError>> FailAsync(HttpContext context, KlaviyoApiError error) => FailAsync(context, [error]);

    private static async Task<IReadOnlyList<KlaviyoApiError>> FailAsync(HttpContext context, IReadOnlyList<KlaviyoApiError> errors)
    {
        await WriteAsync(context, errors[0].Status, errors);
        return errors;
    }

    private static Task WriteAsync(HttpContext context, int status, IReadOnlyList<KlaviyoApiError> errors) =>
        JsonApi.WriteErrorsAsync(context, status, errors);

    /// <summary>Marks a request whose connection was aborted on purpose.</summary>
    private sealed class AbortedMarker : List<KlaviyoApiError>
    {
        public static readonly AbortedMarker Instance = new();
    }
}
