using Microsoft.Extensions.Logging;

namespace Klaviyo.Destinations;

/// <summary>
/// The innermost handler of the <c>Klaviyo.Destinations</c> HttpClient. A resilience handler the app adds to every
/// client (<c>ConfigureHttpClientDefaults(h =&gt; h.AddStandardResilienceHandler())</c>, Aspire's service defaults) sits
/// outside it: when it retries or hedges one of our attempts, the extra pass is refused here (with a warning, once),
/// so every attempt reaches Klaviyo once, paced by our rate buckets, and our retry policy stays the only one.
/// Klaviyo's answer to the first pass is kept so the refusal does not hide it. A hedge (a standard hedging handler's
/// second pass while the first is still waiting for Klaviyo) is held until the first pass ends and only then refused:
/// refused at once, it would be the hedging strategy's first outcome and cancel the attempt that is reaching Klaviyo.
/// It is added innermost by <see cref="ApiKeyHandler.Filter"/>, after every handler the app configured, whatever the
/// order of registration.
/// </summary>
internal sealed class KlaviyoAttemptHandler(KlaviyoPipelineMonitor monitor, TimeProvider time) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!request.Options.TryGetValue(AttemptTicket.Key, out var ticket)) return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!ticket.FirstPass())
        {
            monitor.OuterRetry();
            await ticket.FirstPassDone.WaitAsync(cancellationToken).ConfigureAwait(false);
            throw new OuterRetryRefusedException();
        }
        try
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            // Buffered (Klaviyo's answers are small) so the first answer survives an outer handler disposing it.
            await response.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            ticket.Settle(new AttemptTicket.FirstAnswer((int)response.StatusCode, response.ReasonPhrase, body, KlaviyoTransport.RetryAfter(response, time),
                response.Headers.TryGetValues("RateLimit-Remaining", out var values) ? values.FirstOrDefault() : null));
            return response;
        }
        finally
        {
            ticket.Settle(null);   // failed without an answer (no-op when settled above)
        }
    }
}

/// <summary>Counts (and warns once about) outer retries of our requests; one per service provider.</summary>
internal sealed class KlaviyoPipelineMonitor(ILoggerFactory? loggers)
{
    private readonly ILogger _logger = (loggers ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance).CreateLogger("Klaviyo.Destinations");
    private long _outerRetries;

    /// <summary>Extra passes an outer handler tried (and that were refused).</summary>
    public long OuterRetries => Interlocked.Read(ref _outerRetries);

    public void OuterRetry()
    {
        if (Interlocked.Increment(ref _outerRetries) == 1) DeliveryLog.OuterRetryDetected(_logger, KlaviyoServiceCollectionExtensions.HttpClientName);
    }
}
