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

    /// <summary>
    /// The spec's <c>Subscriptions</c> object: <c>email.marketing</c> (with <c>can_receive_email_marketing</c>,
    /// <c>double_optin</c>, <c>suppression</c>, <c>list_suppressions</c>), <c>sms.marketing</c> and
    /// <c>sms.transactional</c>, each <c>NEVER_SUBSCRIBED</c> until a subscription job sets it.
    /// </summary>
    public static JsonObject Subscriptions(ProfileRecord p)
    {
        JsonObject Channel(string key, string canReceive, bool email)
        {
            var consent = p.Subscriptions.GetValueOrDefault(key);
            var node = new JsonObject
            {
                [canReceive] = consent?.Consent == "SUBSCRIBED",
                ["consent"] = consent?.Consent ?? "NEVER_SUBSCRIBED",
                ["consent_timestamp"] = consent is null ? null : JsonApi.Timestamp(consent.Timestamp),
                ["last_updated"] = consent is null ? null : JsonApi.Timestamp(consent.Timestamp),
                ["method"] = consent is null ? null : "API",
                ["method_detail"] = consent?.CustomSource,
            };
            if (email)
            {
                node["custom_method_detail"] = null;
                node["double_optin"] = consent?.DoubleOptIn;
                node["suppression"] = new JsonArray();
                node["list_suppressions"] = new JsonArray();
            }

            return node;
        }

        return new JsonObject
        {
            ["email"] = new JsonObject { ["marketing"] = Channel("email.marketing", "can_receive_email_marketing", email: true) },
            ["sms"] = new JsonObject
            {
                ["marketing"] = Channel("sms.marketing", "can_receive_sms_marketing", email: false),
                ["transactional"] = Channel("sms.transactional", "can_receive_sms_transactional", email: false),
            },
        };
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

    public static JsonObject Metric(string id, string name, string baseUrl) => new()
    {
        ["type"] = "metric",
        ["id"] = id,
        ["attributes"] = new JsonObject { ["name"] = name, ["integration"] = new JsonObject { ["key"] = "api", ["name"] = "API" } },
        ["links"] = new JsonObject { ["self"] = $"{baseUrl}/api/metrics/{id}/" },
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
            ["source"] = e.Pointer is null ? new JsonObject() : new JsonObject { ["pointer"] = e.Pointer },
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

    /// <summary>
    /// Whether a record passes every condition: <c>equals</c>/<c>any</c> compare <paramref name="field"/>'s text;
    /// <c>greater-than</c>, <c>less-than</c>, <c>greater-or-equal</c> and <c>less-or-equal</c> compare <paramref name="time"/>
    /// with the condition's date (ISO 8601, with or without quotes).
    /// </summary>
    public static bool Matches(IReadOnlyList<FilterCondition> filter, Func<string, string?> field, Func<string, DateTimeOffset?>? time = null) =>
        filter.All(c => c.Operator switch
        {
            "equals" or "any" => field(c.Field) is { } value
                && c.Values.Contains(value, c.Field == "email" ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal),
            "greater-than" or "less-than" or "greater-or-equal" or "less-or-equal" => time?.Invoke(c.Field) is { } at && Compare(c, at),
            _ => throw new ApiProblemException(new KlaviyoApiError(400, "invalid", "Invalid input.",
                $"The emulator does not evaluate '{c.Operator}({c.Field},…)'.", Parameter: "filter")),
        });

    private static bool Compare(FilterCondition c, DateTimeOffset at)
    {
        if (c.Values.Count != 1 || !DateTimeOffset.TryParse(c.Values[0], System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal, out var bound))
        {
            throw new ApiProblemException(new KlaviyoApiError(400, "invalid", "Invalid input.",
                $"'{string.Join(",", c.Values)}' is not a valid date for {c.Operator}({c.Field},…).", Parameter: "filter"));
        }

        return c.Operator switch
        {
            "greater-than" => at > bound,
            "less-than" => at < bound,
            "greater-or-equal" => at >= bound,
            _ => at <= bound,
        };
    }
}
