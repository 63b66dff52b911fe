using System.Globalization;
using System.Text.Json.Nodes;
using Klaviyo.Emulator.Http;
using Klaviyo.Emulator.State;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Klaviyo.Emulator.Endpoints;

/// <summary><c>POST /api/events</c>, <c>POST /api/event-bulk-create-jobs</c>, <c>GET /api/events</c>, <c>GET /api/events/{id}</c>.</summary>
internal static class EventEndpoints
{
    public const int MaxBulkEvents = 1000;

    public static void Map(IEndpointRouteBuilder app, EmulatorRuntime runtime)
    {
        app.Map(runtime, "create_event", Create);
        app.Map(runtime, "bulk_create_events", BulkCreate);
        app.Map(runtime, "get_events", List);
        app.Map(runtime, "get_event", Get);
    }

    private static IResult Get(ApiContext ctx)
    {
        var id = ctx.RouteValue("id");
        var include = Includes(ctx);
        return ctx.Locked(() =>
        {
            var e = ctx.Store.Events.FirstOrDefault(e => e.Id == id)
                ?? throw ApiProblemException.NotFound($"An event with id '{id}' does not exist.");
            var document = new JsonObject { ["data"] = Resources.Event(e, ctx.BaseUrl) };
            if (Included(ctx, [e], include) is { } included)
            {
                document["included"] = included;
            }

            return JsonApi.Document(document);
        });
    }

    private static string[] Includes(ApiContext ctx)
    {
        var include = (ctx.Query("include") ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries);
        if (include.Contains("attributions"))
        {
            throw new ApiProblemException(new KlaviyoApiError(400, "invalid", "Invalid input.",
                "The emulator does not keep attributions; include=metric,profile only.", Parameter: "include"));
        }

        return include;
    }

    private static JsonArray? Included(ApiContext ctx, IReadOnlyList<EventRecord> page, string[] include)
    {
        if (include.Length == 0)
        {
            return null;
        }

        var included = new JsonArray();
        if (include.Contains("metric"))
        {
            foreach (var m in page.Select(e => (e.MetricId, e.MetricName)).Distinct())
            {
                included.Add(Resources.Metric(m.MetricId, m.MetricName, ctx.BaseUrl));
            }
        }

        if (include.Contains("profile"))
        {
            foreach (var id in page.Select(e => e.ProfileId).Distinct())
            {
                if (ctx.Store.Profiles.TryGetValue(id, out var p))
                {
                    included.Add(Resources.Profile(ctx.Store, p, ctx.BaseUrl, subscriptions: false));
                }
            }
        }

        return included;
    }

    private static IResult Create(ApiContext ctx)
    {
        var attributes = (JsonObject)ctx.Body["data"]!["attributes"]!;
        var profileData = (JsonObject)attributes["profile"]!["data"]!;
        var errors = new List<KlaviyoApiError>();
        CheckProfile(profileData, "/data/attributes/profile/data", errors);
        EventRules.Check(attributes, "/data/attributes", ctx.Now, errors);
        ApiContext.ThrowIfAny(errors);

        ctx.Locked(() =>
        {
            var (profile, _) = ProfileMerger.Upsert(ctx.Store, profileData, "/data/attributes/profile/data", nullsClear: false, conflictThrows: false);
            if (!EventIngestor.Add(ctx.Store, profile, attributes, "events", backfillDefault: false))
            {
                ctx.Store.DuplicateEventsDropped++;
            }

            return 0;
        });
        return Results.StatusCode(StatusCodes.Status202Accepted);
    }

    private static IResult BulkCreate(ApiContext ctx)
    {
        const string listPointer = "/data/attributes/events-bulk-create/data";
        var entries = (JsonArray)ctx.Body["data"]!["attributes"]!["events-bulk-create"]!["data"]!;
        var total = entries.Sum(e => (e!["attributes"]!["events"]!["data"] as JsonArray)!.Count);
        if (entries.Count > MaxBulkEvents || total > MaxBulkEvents)
        {
            throw ApiProblemException.Invalid(listPointer, $"At most {MaxBulkEvents} events may be sent per request; got {total} events in {entries.Count} entries.");
        }

        var errors = new List<KlaviyoApiError>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < entries.Count; i++)
        {
            var entryPointer = $"{listPointer}/{i.ToString(CultureInfo.InvariantCulture)}/attributes";
            var profileData = (JsonObject)entries[i]!["attributes"]!["profile"]!["data"]!;
            CheckProfile(profileData, entryPointer + "/profile/data", errors);
            var events = (JsonArray)entries[i]!["attributes"]!["events"]!["data"]!;
            for (var j = 0; j < events.Count; j++)
            {
                var eventPointer = $"{entryPointer}/events/data/{j.ToString(CultureInfo.InvariantCulture)}/attributes";
                var attributes = (JsonObject)events[j]!["attributes"]!;
                EventRules.Check(attributes, eventPointer, ctx.Now, errors);
                if (attributes["unique_id"]?.GetValue<string>() is { } uniqueId
                    && !seen.Add($"{ProfileKey(profileData)}\n{attributes["metric"]!["data"]!["attributes"]!["name"]!.GetValue<string>()}\n{uniqueId}"))
                {
                    errors.Add(new KlaviyoApiError(400, "invalid", "Invalid input.",
                        $"Duplicate unique_id '{uniqueId}' for the same profile and metric in one request; no events were processed.",
                        Pointer: eventPointer + "/unique_id"));
                }
            }
        }

        ApiContext.ThrowIfAny(errors);
        var snapshot = (JsonArray)entries.DeepClone();
        ctx.Locked(() =>
        {
            var job = new JobRecord(ctx.Store.Ids.NewUlid(ctx.Now), "event-bulk-create-job", ctx.Now, ctx.Now + ctx.Runtime.JobDelay, total, j =>
            {
                foreach (var entry in snapshot)
                {
                    var attributes = entry!["attributes"]!;
                    var (profile, _) = ProfileMerger.Upsert(ctx.Store, (JsonObject)attributes["profile"]!["data"]!, string.Empty, nullsClear: false, conflictThrows: false);
                    var backfill = attributes["backfill"]?.GetValue<bool>() ?? false;
                    foreach (var ev in (JsonArray)attributes["events"]!["data"]!)
                    {
                        EventIngestor.Add(ctx.Store, profile, (JsonObject)ev!["attributes"]!, "event-bulk-create-jobs", backfill);
                        ctx.Store.OnApplyStep(j.Type, j.CompletedCount);
                        j.CompletedCount++;
                    }

                    j.ProfileIds.Add(profile.Id);
                }
            });
            ctx.Store.Jobs.Add(job);
            return job;
        });
        return Results.StatusCode(StatusCodes.Status202Accepted);
    }

    private static IResult List(ApiContext ctx)
    {
        var filter = ctx.Filter("profile_id", "metric_id", "datetime", "timestamp");
        var sort = ctx.Query("sort");
        var include = Includes(ctx);
        return ctx.Locked(() =>
        {
            IEnumerable<EventRecord> events = ctx.Store.Events.Where(e => Resources.Matches(filter,
                f => f == "profile_id" ? e.ProfileId : e.MetricId,
                f => e.Time));
            events = sort is "-datetime" or "-timestamp" ? events.OrderByDescending(e => e.Time) : events.OrderBy(e => e.Time);
            var (page, links) = ctx.Page(events.ToArray(), 200, 1000);
            return JsonApi.Document(Resources.Collection(page.Select(e => Resources.Event(e, ctx.BaseUrl)), links, Included(ctx, page, include)));
        });
    }

    private static void CheckProfile(JsonObject profileData, string pointer, List<KlaviyoApiError> errors)
    {
        if (ProfileRules.CheckIdentifier(profileData, pointer, allowAnonymousId: true) is { } missing)
        {
            errors.Add(missing);
        }

        ProfileRules.CheckFormats(profileData["attributes"] as JsonObject, pointer + "/attributes", errors);
    }

    private static string ProfileKey(JsonObject profileData)
    {
        if (profileData["id"]?.GetValue<string>() is { Length: > 0 } id)
        {
            return "id:" + id;
        }

        foreach (var identifier in ProfileFields.Identifiers)
        {
            if (profileData["attributes"]?[identifier]?.GetValue<string>() is { Length: > 0 } value)
            {
                return identifier + ":" + (identifier == ProfileFields.Email ? value.ToLowerInvariant() : value);
            }
        }

        return string.Empty;
    }
}
