using System.Text.Json.Nodes;

namespace Klaviyo.Emulator;

/// <summary>A snapshot of one accepted event.</summary>
/// <param name="Id">Event id.</param>
/// <param name="ProfileId">Id of the profile the event belongs to.</param>
/// <param name="MetricId">Id of the metric (created on first use of a name).</param>
/// <param name="MetricName">Metric name, e.g. <c>Placed Order</c>.</param>
/// <param name="Properties">Event properties as sent.</param>
/// <param name="Time">Event time, truncated to seconds.</param>
/// <param name="Value">Monetary value, if sent.</param>
/// <param name="ValueCurrency">ISO 4217 currency, if sent.</param>
/// <param name="UniqueId">The dedupe key, if sent.</param>
/// <param name="Backfill">Whether the event was sent as a backfill.</param>
/// <param name="Source">The endpoint that delivered it: <c>events</c> or <c>event-bulk-create-jobs</c>.</param>
public sealed record EmulatedEvent(
    string Id,
    string ProfileId,
    string MetricId,
    string MetricName,
    JsonObject Properties,
    DateTimeOffset Time,
    double? Value,
    string? ValueCurrency,
    string? UniqueId,
    bool Backfill,
    string Source);
