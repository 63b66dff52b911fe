using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;

namespace Klaviyo.Destinations;

/// <summary>
/// Every request to Klaviyo goes through here: it waits for the endpoint's <see cref="TokenBucket"/>, adds the
/// private-key and revision headers, applies the request timeout, feeds 429s and <c>RateLimit-Remaining</c> back into
/// the bucket and records metrics. Never throws for HTTP or network failures (they become status 0).
/// </summary>
internal sealed class KlaviyoTransport
{
    private static readonly MediaTypeHeaderValue s_contentType = new(KlaviyoHttpSender.MediaType);
    private readonly HttpClient _http;
    private readonly KlaviyoDestinationOptions _options;
    private readonly AuthenticationHeaderValue _authorization;
    private readonly bool _keyAfterLogging;

    public KlaviyoTransport(HttpClient http, KlaviyoDestinationOptions options, KlaviyoMetrics? metrics, TimeProvider time)
    {
        _http = http;
        _options = options;
        Metrics = metrics;
        _authorization = new AuthenticationHeaderValue("Klaviyo-API-Key", options.ApiKey);
        _keyAfterLogging = ApiKeyHandler.AddsKey(http);
        Budgets = new RateBudgets(options.RateLimits, options.RateLimitTimeScale, time);
    }

    public RateBudgets Budgets { get; }

    public KlaviyoMetrics? Metrics { get; }

    public Uri BaseUrl => _options.BaseUrl;

    /// <summary>Sends one request (POST with <paramref name="body"/>, or GET; <paramref name="method"/> overrides) once a token is free.</summary>
    public async Task<ApiAnswer> SendAsync(KlaviyoEndpoint endpoint, Uri uri, byte[]? body, CancellationToken cancellationToken, HttpMethod? method = null)
    {
        var bucket = Budgets[endpoint];
        await bucket.AcquireAsync(cancellationToken).ConfigureAwait(false);
        using var request = new HttpRequestMessage(method ?? (body is null ? HttpMethod.Get : HttpMethod.Post), uri);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = s_contentType;
        }
        if (_keyAfterLogging) request.Options.Set(ApiKeyHandler.Authorization, _authorization);
        else request.Headers.Authorization = _authorization;
        request.Headers.TryAddWithoutValidation("revision", _options.Revision);
        request.Headers.Accept.ParseAdd(KlaviyoHttpSender.MediaType);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.RequestTimeout);
        var started = Stopwatch.GetTimestamp();
        var name = Name(endpoint);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            var content = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
            Metrics?.RequestFinished(name, status, Stopwatch.GetElapsedTime(started));
            if (status is >= 200 and < 300 && KlaviyoAnswerShape.Refuse(endpoint, response.Content.Headers.ContentType, content) is { } notKlaviyo)
                return new ApiAnswer(0, null, [], null, $"{name} answered {status} with {notKlaviyo}: not an answer from Klaviyo (a proxy or captive portal in the way?); retried.");
            TimeSpan? retryAfter = null;
            if (status == 429)
            {
                retryAfter = RetryAfter(response);
                bucket.Throttled(retryAfter);
            }
            else
            {
                if (status >= 500) retryAfter = RetryAfter(response);
                if (Header(response, "RateLimit-Remaining") is { } remaining &&
                    int.TryParse(remaining, NumberStyles.Integer, CultureInfo.InvariantCulture, out var left))
                    bucket.Observe(Math.Max(0, left));
            }
            return new ApiAnswer(status, response.ReasonPhrase, content, retryAfter, null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            Metrics?.RequestFinished(name, 0, Stopwatch.GetElapsedTime(started));
            return new ApiAnswer(0, null, [], null, $"Klaviyo did not answer within {_options.RequestTimeout.TotalSeconds:0.###} s.");
        }
        catch (HttpRequestException ex)
        {
            Metrics?.RequestFinished(name, 0, Stopwatch.GetElapsedTime(started));
            return new ApiAnswer(0, null, [], null, $"Connection to Klaviyo failed: {ex.Message}");
        }
    }

    /// <summary>The endpoint's path template, as metrics tag it.</summary>
    public static string Name(KlaviyoEndpoint endpoint) => endpoint switch
    {
        KlaviyoEndpoint.ProfileImport => "/api/profile-import",
        KlaviyoEndpoint.Events => "/api/events",
        KlaviyoEndpoint.ProfileBulkImport => "/api/profile-bulk-import-jobs",
        KlaviyoEndpoint.EventBulkCreate => "/api/event-bulk-create-jobs",
        KlaviyoEndpoint.GetImportJob => "/api/profile-bulk-import-jobs/{id}",
        KlaviyoEndpoint.ListAdd => "/api/lists/{id}/relationships/profiles (add)",
        KlaviyoEndpoint.ListRemove => "/api/lists/{id}/relationships/profiles (remove)",
        KlaviyoEndpoint.GetProfiles => "/api/profiles",
        KlaviyoEndpoint.GetListProfiles => "/api/lists/{id}/profiles",
        KlaviyoEndpoint.SubscribeJob => "/api/profile-subscription-bulk-create-jobs",
        KlaviyoEndpoint.UnsubscribeJob => "/api/profile-subscription-bulk-delete-jobs",
        KlaviyoEndpoint.DeletionJob => "/api/data-privacy-deletion-jobs",
        _ => "/api/profile-bulk-import-jobs/{id}/import-errors",
    };

    /// <summary>The wait Klaviyo asked for, within bounds (<see cref="RetryAfterHeader"/>).</summary>
    internal static TimeSpan? RetryAfter(HttpResponseMessage response) => RetryAfterHeader.Read(response, DateTimeOffset.UtcNow);

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}
