using System.Text.Json.Nodes;

namespace Klaviyo.Emulator.State;

/// <summary>A stored event.</summary>
internal sealed record EventRecord(
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
    string Source,
    DateTimeOffset Received);
