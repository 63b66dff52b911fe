using System.Text.Json.Nodes;
using Klaviyo.Emulator.Http;
using Klaviyo.Emulator.State;

namespace Klaviyo.Emulator.Endpoints;

/// <summary>Renders stored records as JSON:API resource objects shaped like the spec's response schemas.</summary>
internal static class Resources
{
    public static JsonObject Profile(EmulatorStore store, ProfileRecord p, string baseUrl, bool subscriptions)
    {
        var attributes = new JsonObject
        {
            ["email"] = p.Email,
            ["phone_number"] = p.PhoneNumber,
            ["external_id"] = p.ExternalId,
        };
        foreach (var name in ProfileFields.Standard)
        {
            attributes[name] = p.Attributes[name]?.DeepClone();
        }

        attributes["created"] = JsonApi.Timestamp(p.Created);
        attributes["updated"] = JsonApi.Timestamp(p.Updated);
        attributes["last_event_date"] = p.LastEventDate is { } d ? JsonApi.Timestamp(d) : null;
        attributes["location"] = p.Location.DeepClone();
        attributes["properties"] = p.Properties.DeepClone();
        if (subscriptions)
        {
            attributes["subscriptions"] = Subscriptions(p);
        }

        return new JsonObject
        {
            ["type"] = "profile",
            ["id"] = p.Id,
            ["attributes"] = attributes,
            ["relationships"] = new JsonObject
            {
                ["lists"] = new JsonObject { ["data"] = new JsonArray(store.ListIdsOf(p.Id).Select(id => (JsonNode)Ref("list", id)).ToArray()) },
            },
            ["links"] = new JsonObject { ["self"] = $"{baseUrl}/api/profiles/{p.Id}/" },
        };
    }

    public static JsonObject Subscriptions(ProfileRecord p)
    {
        var result = new JsonObject();
        foreach (var consent in p.Subscriptions.Values.OrderBy(c => c.Channel, StringComparer.Ordinal).ThenBy(c => c.Type, StringComparer.Ordinal))
        {
            if (result[consent.Channel] is not JsonObject channel)
            {
                result[consent.Channel] = channel = [];
            }

            channel[consent.Type] = new JsonObject
            {
                ["consent"] = consent.Consent,
                ["consent_timestamp"] = JsonApi.Timestamp(consent.Timestamp),
                ["list_id"] = consent.ListId,
                ["custom_source"] = consent.CustomSource,
            };
        }

        return result;
    }

    public static JsonObject Event(EventRecord e, string baseUrl)
    {
        var properties = (JsonObject)e.Properties.DeepClone();
        if (e.UniqueId is not null)
        {
            properties["$event_id"] = e.UniqueId;
        }

        if (e.Value is { } value)
        {
            properties["$value"] = value;
        }

        return new JsonObject
        {
            ["type"] = "event",
            ["id"] = e.Id,
            ["attributes"] = new JsonObject
            {
                ["timestamp"] = e.Time.ToUnixTimeSeconds(),
                ["event_properties"] = properties,
                ["datetime"] = JsonApi.Timestamp(e.Time),
                ["uuid"] = e.Id,
            },
            ["relationships"] = new JsonObject
            {
                ["profile"] = new JsonObject { ["data"] = Ref("profile", e.ProfileId) },
                ["metric"] = new JsonObject { ["data"] = Ref("metric", e.MetricId) },
            },
            ["links"] = new JsonObject { ["self"] = $"{baseUrl}/api/events/{e.Id}/" },
        };
    }

    public static JsonObject Metric(string id, string name) => new()
    {
        ["type"] = "metric",
        ["id"] = id,
        ["attributes"] = new JsonObject { ["name"] = name, ["integration"] = new JsonObject { ["key"] = "api", ["name"] = "API" } },
    };

    public static JsonObject List(ListRecord l, string baseUrl) => new()
    {
        ["type"] = "list",
        ["id"] = l.Id,
        ["attributes"] = new JsonObject
        {
            ["name"] = l.Name,
            ["created"] = JsonApi.Timestamp(l.Created),
            ["updated"] = JsonApi.Timestamp(l.Updated),
            ["opt_in_process"] = l.OptInProcess,
        },
        ["links"] = new JsonObject { ["self"] = $"{baseUrl}/api/lists/{l.Id}/" },
    };

    public static JsonObject ImportJob(JobRecord j, string baseUrl, TimeSpan expiry) => new()
    {
        ["type"] = "profile-bulk-import-job",
        ["id"] = j.Id,
        ["attributes"] = new JsonObject
        {
            ["status"] = j.Status,
            ["created_at"] = JsonApi.Timestamp(j.CreatedAt),
            ["total_count"] = j.TotalCount,
            ["completed_count"] = j.CompletedCount,
            ["failed_count"] = j.FailedCount,
            ["completed_at"] = j.CompletedAt is { } c ? JsonApi.Timestamp(c) : null,
            ["expires_at"] = JsonApi.Timestamp(j.CreatedAt + expiry),
            ["started_at"] = j.StartedAt is { } s ? JsonApi.Timestamp(s) : null,
        },
        ["relationships"] = new JsonObject
        {
            ["lists"] = new JsonObject { ["data"] = new JsonArray(j.ListIds.Select(id => (JsonNode)Ref("list", id)).ToArray()) },
        },
        ["links"] = new JsonObject { ["self"] = $"{baseUrl}/api/profile-bulk-import-jobs/{j.Id}/" },
    };

    public static JsonObject ImportError(ImportErrorRecord e) => new()
    {
        ["type"] = "import-error",
        ["id"] = e.Id,
        ["attributes"] = new JsonObject
        {
            ["code"] = e.Code,
            ["title"] = e.Title,
            ["detail"] = e.Detail,
            ["source"] = new JsonObject { ["pointer"] = e.Pointer },
            ["original_payload"] = e.OriginalPayload?.DeepClone(),
        },
    };

    public static JsonObject Ref(string type, string id) => new() { ["type"] = type, ["id"] = id };

    public static JsonObject Collection(IEnumerable<JsonObject> items, JsonObject links, JsonArray? included = null)
    {
        var doc = new JsonObject { ["data"] = new JsonArray(items.Select(i => (JsonNode)i).ToArray()), ["links"] = links };
        if (included is not null)
        {
            doc["included"] = included;
        }

        return doc;
    }

    public static bool Matches(IReadOnlyList<FilterCondition> filter, Func<string, string?> field) =>
        filter.All(c => field(c.Field) is { } value && c.Values.Contains(value, c.Field == "email" ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal));
}
