using System.Text.Json.Nodes;

namespace Klaviyo.Emulator.Tests;

/// <summary>Request bodies shaped as the 2026-07-15 spec wants them.</summary>
internal static class Bodies
{
    public static JsonObject Profile(JsonObject attributes, JsonObject? meta = null, string? id = null)
    {
        var data = new JsonObject { ["type"] = "profile" };
        if (id is not null)
        {
            data["id"] = id;
        }

        data["attributes"] = attributes;
        if (meta is not null)
        {
            data["meta"] = meta;
        }

        return new JsonObject { ["data"] = data };
    }

    public static JsonObject Event(JsonObject profileAttributes, string metric = "Placed Order", string? uniqueId = null, JsonObject? properties = null, string? time = null)
    {
        var attributes = EventAttributes(metric, uniqueId, properties, time);
        attributes["profile"] = new JsonObject { ["data"] = new JsonObject { ["type"] = "profile", ["attributes"] = profileAttributes } };
        return new JsonObject { ["data"] = new JsonObject { ["type"] = "event", ["attributes"] = attributes } };
    }

    public static JsonObject EventAttributes(string metric = "Placed Order", string? uniqueId = null, JsonObject? properties = null, string? time = null)
    {
        var attributes = new JsonObject
        {
            ["properties"] = properties ?? new JsonObject { ["OrderId"] = "o-1" },
            ["metric"] = new JsonObject { ["data"] = new JsonObject { ["type"] = "metric", ["attributes"] = new JsonObject { ["name"] = metric } } },
        };
        if (uniqueId is not null)
        {
            attributes["unique_id"] = uniqueId;
        }

        if (time is not null)
        {
            attributes["time"] = time;
        }

        return attributes;
    }

    /// <summary>One bulk entry: a profile and its events.</summary>
    public static JsonObject BulkEntry(JsonObject profileAttributes, params JsonObject[] eventAttributes) => new()
    {
        ["type"] = "event-bulk-create",
        ["attributes"] = new JsonObject
        {
            ["profile"] = new JsonObject { ["data"] = new JsonObject { ["type"] = "profile", ["attributes"] = profileAttributes } },
            ["events"] = new JsonObject
            {
                ["data"] = new JsonArray(eventAttributes.Select(a => (JsonNode)new JsonObject { ["type"] = "event", ["attributes"] = a }).ToArray()),
            },
        },
    };

    public static JsonObject BulkEvents(params JsonObject[] entries) => new()
    {
        ["data"] = new JsonObject
        {
            ["type"] = "event-bulk-create-job",
            ["attributes"] = new JsonObject { ["events-bulk-create"] = new JsonObject { ["data"] = new JsonArray(entries.Select(e => (JsonNode)e).ToArray()) } },
        },
    };

    public static JsonObject BulkImport(IEnumerable<JsonObject> profiles, params string[] listIds)
    {
        var data = new JsonObject
        {
            ["type"] = "profile-bulk-import-job",
            ["attributes"] = new JsonObject
            {
                ["profiles"] = new JsonObject
                {
                    ["data"] = new JsonArray(profiles.Select(a => (JsonNode)new JsonObject { ["type"] = "profile", ["attributes"] = a }).ToArray()),
                },
            },
        };
        if (listIds.Length > 0)
        {
            data["relationships"] = new JsonObject
            {
                ["lists"] = new JsonObject { ["data"] = new JsonArray(listIds.Select(id => (JsonNode)new JsonObject { ["type"] = "list", ["id"] = id }).ToArray()) },
            };
        }

        return new JsonObject { ["data"] = data };
    }

    public static JsonObject Members(IEnumerable<string> profileIds) => new()
    {
        ["data"] = new JsonArray(profileIds.Select(id => (JsonNode)new JsonObject { ["type"] = "profile", ["id"] = id }).ToArray()),
    };

    /// <summary>A subscribe or unsubscribe job body; rows are profile attributes including <c>subscriptions</c>.</summary>
    public static JsonObject Subscription(bool subscribe, IEnumerable<JsonObject> rows, string? listId = null, bool historical = false)
    {
        var attributes = new JsonObject
        {
            ["profiles"] = new JsonObject
            {
                ["data"] = new JsonArray(rows.Select(a => (JsonNode)new JsonObject { ["type"] = "profile", ["attributes"] = a }).ToArray()),
            },
        };
        if (subscribe && historical)
        {
            attributes["historical_import"] = true;
        }

        var data = new JsonObject
        {
            ["type"] = subscribe ? "profile-subscription-bulk-create-job" : "profile-subscription-bulk-delete-job",
            ["attributes"] = attributes,
        };
        if (listId is not null)
        {
            data["relationships"] = new JsonObject { ["list"] = new JsonObject { ["data"] = new JsonObject { ["type"] = "list", ["id"] = listId } } };
        }

        return new JsonObject { ["data"] = data };
    }

    public static JsonObject Consent(string consent, params string[] channels)
    {
        var subscriptions = new JsonObject();
        foreach (var channelType in channels)
        {
            var (channel, type) = (channelType.Split('.')[0], channelType.Split('.')[1]);
            if (subscriptions[channel] is not JsonObject c)
            {
                subscriptions[channel] = c = [];
            }

            c[type] = new JsonObject { ["consent"] = consent };
        }

        return subscriptions;
    }

    public static JsonObject Deletion(JsonObject profileAttributes) => new()
    {
        ["data"] = new JsonObject
        {
            ["type"] = "data-privacy-deletion-job",
            ["attributes"] = new JsonObject
            {
                ["profile"] = new JsonObject { ["data"] = new JsonObject { ["type"] = "profile", ["attributes"] = profileAttributes } },
            },
        },
    };

    public static JsonObject List(string name) => new()
    {
        ["data"] = new JsonObject { ["type"] = "list", ["attributes"] = new JsonObject { ["name"] = name } },
    };
}
