using System.Diagnostics.Metrics;

namespace Klaviyo.Destinations;

/// <summary>
/// <see cref="System.Diagnostics.Metrics"/> instruments of meter <c>Klaviyo.Destinations</c> (ready for
/// OpenTelemetry): outcomes by status and kind, retries, 429s, request latency by endpoint and status.
/// </summary>
internal sealed class KlaviyoMetrics : IDisposable
{
    public const string MeterName = "Klaviyo.Destinations";

    private readonly Meter _meter;
    private readonly Counter<long> _outcomes;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _throttled;
    private readonly Histogram<double> _latency;

    public KlaviyoMetrics(IMeterFactory? factory = null)
    {
        _meter = factory?.Create(MeterName) ?? new Meter(MeterName);
        _outcomes = _meter.CreateCounter<long>("klaviyo.destinations.outcomes", "{item}", "Final outcomes of message parts, by status and kind.");
        _retries = _meter.CreateCounter<long>("klaviyo.destinations.retries", "{attempt}", "Delivery attempts that will be retried.");
        _throttled = _meter.CreateCounter<long>("klaviyo.destinations.throttled", "{response}", "429 answers from Klaviyo.");
        _latency = _meter.CreateHistogram<double>("klaviyo.destinations.request.duration", "ms", "Duration of requests to Klaviyo.");
    }

    public void Outcome(DeliveryOutcome outcome) =>
        _outcomes.Add(1, new KeyValuePair<string, object?>("status", outcome.Status.ToString()), new KeyValuePair<string, object?>("kind", outcome.Kind.ToString()));

    public void Retry() => _retries.Add(1);

    public void RequestFinished(string endpoint, int status, TimeSpan elapsed)
    {
        if (status == 429) _throttled.Add(1, new KeyValuePair<string, object?>("endpoint", endpoint));
        _latency.Record(elapsed.TotalMilliseconds, new KeyValuePair<string, object?>("endpoint", endpoint), new KeyValuePair<string, object?>("status", status));
    }

    public void Dispose() => _meter.Dispose();
}
