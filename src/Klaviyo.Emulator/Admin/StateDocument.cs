using System.Text.Json.Nodes;
using Klaviyo.Emulator.Endpoints;
using Klaviyo.Emulator.Http;

namespace Klaviyo.Emulator.Admin;

/// <summary>Builds the <c>/_emulator/state</c> document (also rendered by the HTML page).</summary>
internal static class StateDocument
{
    public static JsonObject Build(EmulatorRuntime runtime, string baseUrl)
    {
        var store = runtime.Store;
        JsonObject doc;
        lock (store.Sync)
        {
            store.Pump();
            doc = new JsonObject
            {
                ["now"] = JsonApi.Timestamp(runtime.Time.GetUtcNow()),
                ["profiles"] = new JsonArray(store.Profiles.Values.OrderBy(p => p.Sequence)
                    .Select(p =>
                    {
                        var resource = Resources.Profile(store, p, baseUrl, subscriptions: true);
                        return (JsonNode)new JsonObject
                        {
                            ["id"] = p.Id,
                            ["identifiers"] = new JsonObject(p.Identifiers.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
                            ["attributes"] = resource["attributes"]!.DeepClone(),
                            ["lists"] = new JsonArray(store.ListIdsOf(p.Id).Select(id => (JsonNode)id).ToArray()),
                        };
                    }).ToArray()),
                ["events"] = new JsonArray(store.Events.Select(e => (JsonNode)new JsonObject
                {
                    ["id"] = e.Id,
                    ["profile_id"] = e.ProfileId,
                    ["metric"] = e.MetricName,
                    ["metric_id"] = e.MetricId,
                    ["time"] = JsonApi.Timestamp(e.Time),
                    ["value"] = e.Value,
                    ["value_currency"] = e.ValueCurrency,
                    ["unique_id"] = e.UniqueId,
                    ["backfill"] = e.Backfill,
                    ["source"] = e.Source,
                    ["properties"] = e.Properties.DeepClone(),
                }).ToArray()),
                ["duplicate_events_dropped"] = store.DuplicateEventsDropped,
                ["lists"] = new JsonArray(store.Lists.Values.OrderBy(l => l.Sequence).Select(l => (JsonNode)new JsonObject
                {
                    ["id"] = l.Id,
                    ["name"] = l.Name,
                    ["opt_in_process"] = l.OptInProcess,
                    ["profile_ids"] = new JsonArray(l.Members.Keys.Select(k => (JsonNode)k).ToArray()),
                    ["pending_profile_ids"] = new JsonArray(l.Pending.Keys.Select(k => (JsonNode)k).ToArray()),
                }).ToArray()),
                ["jobs"] = new JsonArray(store.Jobs.Select(j => (JsonNode)new JsonObject
                {
                    ["id"] = j.Id,
                    ["type"] = j.Type,
                    ["status"] = j.Status,
                    ["created_at"] = JsonApi.Timestamp(j.CreatedAt),
                    ["completed_at"] = j.CompletedAt is { } c ? JsonApi.Timestamp(c) : null,
                    ["total_count"] = j.TotalCount,
                    ["completed_count"] = j.CompletedCount,
                    ["failed_count"] = j.FailedCount,
                    ["errors"] = new JsonArray(j.Errors.Select(e => (JsonNode)Resources.ImportError(e)).ToArray()),
                }).ToArray()),
            };
        }

        doc["subscriptions"] = new JsonObject(((JsonArray)doc["profiles"]!)
            .Select(p => KeyValuePair.Create(p!["id"]!.GetValue<string>(), p["attributes"]!["subscriptions"]?.DeepClone())));
        doc["rejected_requests"] = new JsonArray(runtime.RejectedRequests.Select(r => (JsonNode)new JsonObject
        {
            ["time"] = JsonApi.Timestamp(r.Time),
            ["method"] = r.Method,
            ["path"] = r.Path,
            ["status"] = r.Status,
            ["query"] = r.Query,
            ["errors"] = JsonApi.ErrorDocument(r.Errors)["errors"]!.DeepClone(),
            ["body"] = r.Body,
        }).ToArray());
        doc["counters"] = new JsonObject(runtime.Counters.Snapshot().OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv =>
            KeyValuePair.Create(kv.Key, (JsonNode?)new JsonObject(kv.Value.Select(s =>
                KeyValuePair.Create(s.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), (JsonNode?)s.Value))))));
        doc["faults"] = FaultsJson.Write(runtime.Faults.Current);
        doc["rate_limits"] = new JsonObject
        {
            ["enabled"] = runtime.RateLimiter.Enabled,
            ["time_scale"] = runtime.RateLimiter.TimeScale,
            ["windows"] = new JsonArray(runtime.RateLimiter.Usage(runtime.Spec.Operations).Select(w => (JsonNode)new JsonObject
            {
                ["operation"] = w.Operation,
                ["tier"] = w.Tier,
                ["used"] = w.Used,
                ["limit"] = w.Limit,
                ["resets_in_ms"] = (long)Math.Ceiling(w.ResetsIn.TotalMilliseconds),
            }).ToArray()),
        };
        return doc;
    }
}
