using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;

namespace Klaviyo.Destinations;

/// <summary>
/// Every request to Klaviyo goes through here: it waits for the endpoint's budget (<see cref="RateBudgets"/>), adds the
/// private-key and revision headers, applies the request timeout, feeds 429s and <c>RateLimit-Remaining</c> back into
/// the bucket and records metrics and a span. Never throws for anything the HttpClient pipeline throws (network
/// failures, timeouts, a resilience handler's exceptions become status 0, "no answer"); only the caller's cancellation.
/// </summary>
internal sealed class KlaviyoTransport
{
    private static readonly MediaTypeHeaderValue s_contentType = new(KlaviyoHttpSender.MediaType);
    private readonly HttpClient _http;
    private readonly KlaviyoDestinationOptions _options;
    private volatile AuthenticationHeaderValue _authorization;
    private readonly TimeProvider _time;
    private readonly bool _keyAfterLogging;

    public KlaviyoTransport(HttpClient http, KlaviyoDestinationOptions options, KlaviyoMetrics? metrics, TimeProvider time)
    {
        _http = http;
        _options = options;
        Metrics = metrics;
        _authorization = new AuthenticationHeaderValue("Klaviyo-API-Key", options.ApiKey);
        _keyAfterLogging = ApiKeyHandler.AddsKey(http);
        Budgets = new RateBudgets(options.RateLimits, options.RateLimitTimeScale, time, options.RateBudget());
        _time = time;
    }

    public RateBudgets Budgets { get; }

    /// <summary>
    /// Uses <paramref name="apiKey"/> for every request from now on (the key was changed in configuration while the app
    /// runs); false when it is the key in use already. Requests in flight finish with the key they were sent with.
    /// </summary>
    public bool UseKey(string apiKey)
    {
        if (string.Equals(_authorization.Parameter, apiKey, StringComparison.Ordinal)) return false;
        _authorization = new AuthenticationHeaderValue("Klaviyo-API-Key", apiKey);
        return true;
    }

    public KlaviyoMetrics? Metrics { get; }

    public Uri BaseUrl => _options.BaseUrl;

    /// <summary>Sends one request (POST with <paramref name="body"/>, or GET; <paramref name="method"/> overrides) once a token is free.</summary>
    public async Task<ApiAnswer> SendAsync(KlaviyoEndpoint endpoint, Uri uri, byte[]? body, CancellationToken cancellationToken, HttpMethod? method = null)
    {
        var bucket = Budgets[endpoint];
        var slot = await bucket.AcquireSlotAsync(cancellationToken).ConfigureAwait(false);
        // The slot counts as in flight until the request is over; Klaviyo does not count a request it refused with 429.
        var counted = true;
        try
        {
            var answer = await ExchangeAsync(bucket, endpoint, uri, body, method, cancellationToken).ConfigureAwait(false);
            counted = answer.Status != 429;
            return answer;
        }
        finally
        {
            bucket.Finished(slot, counted);
        }
    }

    /// <summary>One HTTP exchange with Klaviyo once the slot is taken: the request, its answer read and settled with the budget.</summary>
    private async Task<ApiAnswer> ExchangeAsync(IEndpointBudget bucket, KlaviyoEndpoint endpoint, Uri uri, byte[]? body, HttpMethod? method, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method ?? (body is null ? HttpMethod.Get : HttpMethod.Post), uri);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = s_contentType;
        }
        var authorization = _authorization;
        if (_keyAfterLogging) request.Options.Set(ApiKeyHandler.Authorization, authorization);
        else request.Headers.Authorization = authorization;
        request.Headers.TryAddWithoutValidation("revision", _options.Revision);
        request.Headers.Accept.ParseAdd(KlaviyoHttpSender.MediaType);
        request.Headers.UserAgent.Add(KlaviyoTelemetry.UserAgent);
        var ticket = new AttemptTicket();
        request.Options.Set(AttemptTicket.Key, ticket);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.RequestTimeout);
        var started = Stopwatch.GetTimestamp();
        var name = Name(endpoint);
        var activity = KlaviyoTelemetry.StartRequest(request.Method, name, KlaviyoTelemetry.Producers);
        ApiAnswer answer;
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
            var content = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (status is >= 200 and < 300 && KlaviyoAnswerShape.Refuse(endpoint, response.Content.Headers.ContentType, content) is { } notKlaviyo)
                answer = new ApiAnswer(0, null, [], null, $"{name} answered {status} with {notKlaviyo}: not an answer from Klaviyo (a proxy or captive portal in the way?); retried.");
            else answer = Settle(bucket, status, response.ReasonPhrase, content, status is 429 or >= 500 ? RetryAfter(response, _time) : null, Header(response, "RateLimit-Remaining"), Header(response, "RateLimit-Reset"));
        }
        catch (OuterRetryRefusedException) when (ticket.Answer is { } first)
        {
            // An outer handler retried our attempt: what Klaviyo answered our one pass is the answer.
            answer = Settle(bucket, first.Status, first.ReasonPhrase, first.Body, first.Status is 429 or >= 500 ? first.RetryAfter : null, first.RateLimitRemaining, null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            answer = new ApiAnswer(0, null, [], null, $"Klaviyo did not answer within {_options.RequestTimeout.TotalSeconds:0.###} s.");
        }
        catch (HttpRequestException ex)
        {
            answer = new ApiAnswer(0, null, [], null, $"Connection to Klaviyo failed: {ex.Message}");
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Whatever else the HttpClient pipeline throws (a resilience handler's TimeoutRejectedException or
            // BrokenCircuitException, an app's handler): no answer from Klaviyo, so our own retry decides.
            answer = new ApiAnswer(0, null, [], null, ex is OuterRetryRefusedException
                ? "Klaviyo did not answer (an outer handler in the HttpClient pipeline gave up on the attempt and retried it)."
                : $"The HttpClient pipeline failed without an answer from Klaviyo: {ex.GetType().Name}: {ex.Message}");
        }
        catch (OperationCanceledException)
        {
            KlaviyoTelemetry.Finish(activity, 0, "cancelled");
            throw;
        }
        Metrics?.RequestFinished(name, answer.Status, Stopwatch.GetElapsedTime(started));
        KlaviyoTelemetry.Finish(activity, answer.Status, answer.Failure);
        return answer;
    }

    /// <summary>Feeds a 429 or <c>RateLimit-Remaining</c> (with <c>RateLimit-Reset</c>, when sent) back into the bucket and builds the answer.</summary>
    private static ApiAnswer Settle(IEndpointBudget bucket, int status, string? reasonPhrase, byte[] content, TimeSpan? retryAfter, string? remaining, string? reset)
    {
        if (status == 429) bucket.Throttled(retryAfter);
        else if (remaining is not null && int.TryParse(remaining, NumberStyles.Integer, CultureInfo.InvariantCulture, out var left))
            bucket.Observe(Math.Max(0, left), double.TryParse(reset, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds is >= 0 and <= 86_400
                ? TimeSpan.FromSeconds(seconds) : null);
        return new ApiAnswer(status, reasonPhrase, content, retryAfter, null);
    }

    /// <summary>The endpoint's path template, as metrics tag it.</summary>
    public static string Name(KlaviyoEndpoint endpoint) => KlaviyoPaths.Template(endpoint);

    /// <summary>
    /// The wait Klaviyo asked for: the emulator's exact (time-compressed) milliseconds when present, else Retry-After;
    /// within bounds (<see cref="RetryAfterHeader"/>).
    /// </summary>
    internal static TimeSpan? RetryAfter(HttpResponseMessage response, TimeProvider? time = null) =>
        RetryAfterHeader.Read(response, (time ?? TimeProvider.System).GetUtcNow());

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}
