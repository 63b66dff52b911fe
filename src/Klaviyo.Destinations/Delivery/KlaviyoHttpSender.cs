using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Klaviyo.Destinations;

/// <summary>
/// Sends items to Klaviyo's single-item endpoints (<c>POST /api/profile-import</c>, <c>POST /api/events</c>) with the
/// private-key and revision headers. The key lives only in the request header; it never reaches a log or message.
/// </summary>
public sealed class KlaviyoHttpSender : IKlaviyoSender
{
    /// <summary>Klaviyo's JSON:API media type.</summary>
    public const string MediaType = "application/vnd.api+json";

    private static readonly MediaTypeHeaderValue s_contentType = new(MediaType);
    private readonly HttpClient _http;
    private readonly KlaviyoDestinationOptions _options;
    private readonly KlaviyoMetrics? _metrics;
    private readonly AuthenticationHeaderValue _authorization;

    /// <summary>Creates a sender on <paramref name="http"/> (its base address is ignored; <see cref="KlaviyoDestinationOptions.BaseUrl"/> is used).</summary>
    public KlaviyoHttpSender(HttpClient http, KlaviyoDestinationOptions options) : this(http, options, null) { }

    internal KlaviyoHttpSender(HttpClient http, KlaviyoDestinationOptions options, KlaviyoMetrics? metrics)
    {
        _http = http ?? throw new ArgumentNullException(nameof(http));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _metrics = metrics;
        _authorization = new AuthenticationHeaderValue("Klaviyo-API-Key", options.ApiKey);
    }

    /// <inheritdoc />
    public async Task<SendResult> SendAsync(QueuedItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        var path = RequestComposer.PathFor(item);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_options.BaseUrl, path))
        {
            Content = new ByteArrayContent(RequestComposer.SingleBody(item)),
        };
        request.Content.Headers.ContentType = s_contentType;
        return await SendAsync(request, path, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends a prepared request with auth headers and classifies the answer.</summary>
    internal async Task<SendResult> SendAsync(HttpRequestMessage request, string endpoint, CancellationToken cancellationToken)
    {
        request.Headers.Authorization = _authorization;
        request.Headers.TryAddWithoutValidation("revision", _options.Revision);
        request.Headers.Accept.ParseAdd(MediaType);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.RequestTimeout);
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false);
            _metrics?.RequestFinished(endpoint, (int)response.StatusCode, Stopwatch.GetElapsedTime(started));
            return await ClassifyAsync(response, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            _metrics?.RequestFinished(endpoint, 0, Stopwatch.GetElapsedTime(started));
            return new SendResult(SendStatus.Retry, 0, $"Klaviyo did not answer within {_options.RequestTimeout.TotalSeconds:0.#} s.");
        }
        catch (HttpRequestException ex)
        {
            _metrics?.RequestFinished(endpoint, 0, Stopwatch.GetElapsedTime(started));
            return new SendResult(SendStatus.Retry, 0, $"Connection to Klaviyo failed: {ex.Message}");
        }
    }

    internal static async Task<SendResult> ClassifyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        if (response.IsSuccessStatusCode) return new SendResult(SendStatus.Delivered, status);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var (detail, pointer) = ReadError(body);
        var reason = $"Klaviyo answered {status} {response.ReasonPhrase}{(detail is null ? "" : ": " + detail)}";
        if (response.StatusCode == HttpStatusCode.TooManyRequests || status >= 500 || response.StatusCode == HttpStatusCode.RequestTimeout)
            return new SendResult(SendStatus.Retry, status, reason, pointer, RetryAfter(response));
        return new SendResult(SendStatus.Rejected, status, reason, pointer);
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        // The emulator states its (time-compressed) wait precisely; Klaviyo sends whole seconds.
        if (response.Headers.TryGetValues("X-Emulator-Retry-After-Ms", out var ms) &&
            double.TryParse(ms.FirstOrDefault(), NumberStyles.Float, CultureInfo.InvariantCulture, out var milliseconds))
            return TimeSpan.FromMilliseconds(milliseconds);
        if (response.Headers.RetryAfter is { } retryAfter)
        {
            if (retryAfter.Delta is { } delta) return delta;
            if (retryAfter.Date is { } date) return date - DateTimeOffset.UtcNow;
        }
        return null;
    }

    /// <summary>The first JSON:API error's detail and pointer.</summary>
    internal static (string? Detail, string? Pointer) ReadError(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using var document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.ValueKind == JsonValueKind.Object &&
                document.RootElement.TryGetProperty("errors", out var errors) &&
                errors.ValueKind == JsonValueKind.Array && errors.GetArrayLength() > 0)
            {
                var first = errors[0];
                var detail = first.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString()
                    : first.TryGetProperty("title", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
                string? pointer = null;
                if (first.TryGetProperty("source", out var source) && source.ValueKind == JsonValueKind.Object)
                {
                    if (source.TryGetProperty("pointer", out var p) && p.ValueKind == JsonValueKind.String) pointer = p.GetString();
                    else if (source.TryGetProperty("parameter", out var q) && q.ValueKind == JsonValueKind.String) pointer = q.GetString();
                }
                return (detail, pointer);
            }
        }
        catch (JsonException)
        {
        }
        return (null, null);
    }
}
