using System.Diagnostics.Metrics;

namespace Klaviyo.Destinations;

/// <summary>
/// <see cref="System.Diagnostics.Metrics"/> instruments of meter <c>Klaviyo.Destinations</c> (ready for
/// OpenTelemetry): outcomes by status and kind, items sent/delivered/rejected by endpoint, retries, 429s, batch sizes
/// (items and bytes), request latency by endpoint and status, delivery latency, and the queue's backlog and its age.
/// </summary>
internal sealed class KlaviyoMetrics : IDisposable
{
    public const string MeterName = "Klaviyo.Destinations";

    private readonly Meter _meter;
    private readonly bool _owned;
    private readonly Counter<long> _outcomes;
    private readonly Counter<long> _sent;
    private readonly Counter<long> _delivered;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _throttled;
    private readonly Histogram<double> _latency;
    private readonly Histogram<int> _batchItems;
    private readonly Histogram<int> _batchBytes;
    private readonly Histogram<double> _deliveryLatency;

    public KlaviyoMetrics(IMeterFactory? factory = null)
    {
        // A factory's meters belong to the factory (the host disposes them); ours we dispose.
        _owned = factory is null;
        _meter = factory?.Create(MeterName) ?? new Meter(MeterName);
        _outcomes = _meter.CreateCounter<long>("klaviyo.destinations.outcomes", "{item}", "Final outcomes of message parts, by status and kind.");
        _sent = _meter.CreateCounter<long>("klaviyo.destinations.items.sent", "{item}", "Items put into requests to Klaviyo (retries included), by endpoint.");
        _delivered = _meter.CreateCounter<long>("klaviyo.destinations.items.delivered", "{item}", "Items Klaviyo accepted, by endpoint.");
        _rejected = _meter.CreateCounter<long>("klaviyo.destinations.items.rejected", "{item}", "Items Klaviyo refused permanently (4xx or import errors), by endpoint.");
        _retries = _meter.CreateCounter<long>("klaviyo.destinations.retries", "{item}", "Items whose request will be retried (429, 5xx, timeout, connection failure), by endpoint.");
        _throttled = _meter.CreateCounter<long>("klaviyo.destinations.throttled", "{response}", "429 answers from Klaviyo, by endpoint.");
        _latency = _meter.CreateHistogram<double>("klaviyo.destinations.request.duration", "ms", "Duration of requests to Klaviyo, by endpoint and status (0 = no answer).");
        _batchItems = _meter.CreateHistogram<int>("klaviyo.destinations.batch.size", "{item}", "Items per request, by endpoint.");
        _batchBytes = _meter.CreateHistogram<int>("klaviyo.destinations.batch.bytes", "By", "Request body bytes, by endpoint.");
        _deliveryLatency = _meter.CreateHistogram<double>("klaviyo.destinations.delivery.duration", "ms", "Time from the sender taking an item to its final outcome, by status.");
    }

    public void Outcome(DeliveryOutcome outcome) =>
        _outcomes.Add(1, new KeyValuePair<string, object?>("status", outcome.Status.ToString()), new KeyValuePair<string, object?>("kind", outcome.Kind.ToString()));

    public void Retry(string endpoint, int items) => _retries.Add(items, Endpoint(endpoint));

    public void BatchSent(string endpoint, int items, int bytes)
    {
        _sent.Add(items, Endpoint(endpoint));
        _batchItems.Record(items, Endpoint(endpoint));
        _batchBytes.Record(bytes, Endpoint(endpoint));
    }

    public void ItemsDelivered(string endpoint, int items) => _delivered.Add(items, Endpoint(endpoint));

    public void ItemsRejected(string endpoint, int items) => _rejected.Add(items, Endpoint(endpoint));

    public void Finished(DeliveryStatus status, TimeSpan elapsed) =>
        _deliveryLatency.Record(elapsed.TotalMilliseconds, new KeyValuePair<string, object?>("status", status.ToString()));

    public void RequestFinished(string endpoint, int status, TimeSpan elapsed)
    {
        if (status == 429) _throttled.Add(1, Endpoint(endpoint));
        _latency.Record(elapsed.TotalMilliseconds, Endpoint(endpoint), new KeyValuePair<string, object?>("status", status));
    }

    /// <summary>Gauge <c>klaviyo.destinations.delivery.paused</c>: 1 while delivery is paused, tagged with the reason.</summary>
    public void ObserveGate(DeliveryGate gate) =>
        _meter.CreateObservableGauge("klaviyo.destinations.delivery.paused", () =>
            new Measurement<int>(gate.State == DeliveryState.Running ? 0 : 1, new KeyValuePair<string, object?>("state", gate.State.ToString())),
            "{pause}", "1 while delivery is paused because Klaviyo refuses the key (CredentialsRefused) or is down (KlaviyoUnavailable).");

    /// <summary>
    /// Gauges <c>klaviyo.destinations.queue.backlog</c> (items accepted and not yet finished) and
    /// <c>klaviyo.destinations.queue.backlog.age</c> (seconds the oldest of them has waited; 0 when there is none).
    /// </summary>
    public void ObserveQueue(IEventQueue queue, TimeProvider time)
    {
        _meter.CreateObservableGauge("klaviyo.destinations.queue.backlog", () => queue.Backlog.Unfinished,
            "{item}", "Items accepted and not yet finished (waiting, being sent, or kept from an earlier run).");
        _meter.CreateObservableGauge("klaviyo.destinations.queue.backlog.age", () => queue.Backlog.AgeAt(time.GetUtcNow()).TotalSeconds,
            "s", "How long the oldest item not yet finished has waited in the queue.");
    }

    private static KeyValuePair<string, object?> Endpoint(string endpoint) => new("endpoint", endpoint);

    public void Dispose()
    {
        if (_owned) _meter.Dispose();
    }
}
