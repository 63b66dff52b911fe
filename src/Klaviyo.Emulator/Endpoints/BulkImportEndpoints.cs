using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Klaviyo.Emulator.Http;
using Klaviyo.Emulator.State;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Klaviyo.Emulator.Endpoints;

/// <summary>Profile bulk import jobs: create, read, per-row errors.</summary>
internal static class BulkImportEndpoints
{
    public const int MaxProfiles = 10_000;
    private const string JobType = "profile-bulk-import-job";
    private static readonly TimeSpan s_expiry = TimeSpan.FromDays(7);

    public static void Map(IEndpointRouteBuilder app, EmulatorRuntime runtime)
    {
        app.Map(runtime, "bulk_import_profiles", Create);
        app.Map(runtime, "get_bulk_import_profiles_job", Get);
        app.Map(runtime, "get_errors_for_bulk_import_profiles_job", Errors);
        app.Map(runtime, "get_bulk_import_profiles_jobs", List);
        app.Map(runtime, "get_profiles_for_bulk_import_profiles_job", Profiles);
        app.Map(runtime, "get_profile_ids_for_bulk_import_profiles_job", ProfileIds);
        app.Map(runtime, "get_list_for_bulk_import_profiles_job", Lists);
        app.Map(runtime, "get_list_ids_for_bulk_import_profiles_job", ListIds);
    }

    private static IResult List(ApiContext ctx)
    {
        var filter = ctx.Filter("status");
        var descending = ctx.Query("sort") == "-created_at";
        return ctx.Locked(() =>
        {
            var jobs = ctx.Store.Jobs.Where(j => j.Type == JobType && Resources.Matches(filter, _ => j.Status)).ToArray();
            if (descending)
            {
                Array.Reverse(jobs);
            }

            var (page, links) = ctx.Page(jobs, 20, 100);
            return JsonApi.Document(Resources.Collection(page.Select(j => Resources.ImportJob(j, ctx.BaseUrl, s_expiry)), links));
        });
    }

    private static IResult Profiles(ApiContext ctx) => ctx.Locked(() =>
    {
        var job = Find(ctx, "id");
        var profiles = job.ProfileIds.Distinct().Select(ctx.Store.Profiles.GetValueOrDefault).OfType<ProfileRecord>().ToArray();
        var (page, links) = ctx.Page(profiles, 20, 100);
        var subscriptions = ctx.Query("additional-fields[profile]")?.Contains("subscriptions", StringComparison.Ordinal) == true;
        return JsonApi.Document(Resources.Collection(page.Select(p => Resources.Profile(ctx.Store, p, ctx.BaseUrl, subscriptions)), links));
    });

    private static IResult ProfileIds(ApiContext ctx) => ctx.Locked(() =>
    {
        var job = Find(ctx, "id");
        var (page, links) = ctx.Page(job.ProfileIds.Distinct().Where(ctx.Store.Profiles.ContainsKey).ToArray(), 20, 100);
        return JsonApi.Document(Resources.Collection(page.Select(id => Resources.Ref("profile", id)), links));
    });

    private static IResult Lists(ApiContext ctx) => ctx.Locked(() =>
    {
        var job = Find(ctx, "id");
        var lists = job.ListIds.Select(ctx.Store.Lists.GetValueOrDefault).OfType<ListRecord>();
        return JsonApi.Document(new JsonObject { ["data"] = new JsonArray(lists.Select(l => (JsonNode)Resources.List(l, ctx.BaseUrl)).ToArray()) });
    });

    private static IResult ListIds(ApiContext ctx) => ctx.Locked(() =>
    {
        var job = Find(ctx, "id");
        return JsonApi.Document(new JsonObject { ["data"] = new JsonArray(job.ListIds.Select(id => (JsonNode)Resources.Ref("list", id)).ToArray()) });
    });

    private static IResult Create(ApiContext ctx)
    {
        const string rowsPointer = "/data/attributes/profiles/data";
        var data = ctx.Body["data"]!;
        var rows = (JsonArray)data["attributes"]!["profiles"]!["data"]!;
        if (rows.Count > MaxProfiles)
        {
            throw ApiProblemException.Invalid(rowsPointer, $"At most {MaxProfiles} profiles may be imported per job; got {rows.Count}.");
        }

        var errors = new List<KlaviyoApiError>();
        for (var i = 0; i < rows.Count; i++)
        {
            var size = Encoding.UTF8.GetByteCount(rows[i]!.ToJsonString());
            if (size > ProfileEndpoints.MaxProfileBytes)
            {
                errors.Add(new KlaviyoApiError(400, "invalid", "Invalid input.",
                    $"Each profile may be at most {ProfileEndpoints.MaxProfileBytes / 1024} KB; this one is {size / 1024} KB.",
                    Pointer: $"{rowsPointer}/{i.ToString(CultureInfo.InvariantCulture)}"));
            }
        }

        ApiContext.ThrowIfAny(errors);
        var listIds = (data["relationships"]?["lists"]?["data"] as JsonArray ?? [])
            .Select(l => l!["id"]!.GetValue<string>())
            .ToArray();
        var snapshot = (JsonArray)rows.DeepClone();
        var document = ctx.Locked(() =>
        {
            for (var k = 0; k < listIds.Length; k++)
            {
                if (!ctx.Store.Lists.ContainsKey(listIds[k]))
                {
                    throw ApiProblemException.NotFound($"A list with id '{listIds[k]}' does not exist.",
                        $"/data/relationships/lists/data/{k.ToString(CultureInfo.InvariantCulture)}/id");
                }
            }

            var job = new JobRecord(ctx.Store.Ids.NewUlid(ctx.Now), JobType, ctx.Now, ctx.Now + ctx.Runtime.JobDelay, snapshot.Count, j => Apply(ctx.Store, j, snapshot, ctx.Runtime.Options.ImportErrorShape));
            job.ListIds.AddRange(listIds);
            ctx.Store.Jobs.Add(job);
            return new JsonObject { ["data"] = Resources.ImportJob(job, ctx.BaseUrl, s_expiry) };
        });
        return JsonApi.Document(document, StatusCodes.Status202Accepted);
    }

    private static void Apply(EmulatorStore store, JobRecord job, JsonArray rows, ImportErrorShape shape)
    {
        for (var i = 0; i < rows.Count; i++)
        {
            var row = (JsonObject)rows[i]!;
            var pointer = $"/data/attributes/profiles/data/{i.ToString(CultureInfo.InvariantCulture)}";
            var errors = new List<KlaviyoApiError>();
            if (ProfileRules.CheckIdentifier(row, pointer, allowAnonymousId: false) is { } missing)
            {
                errors.Add(missing);
            }

            ProfileRules.CheckFormats(row["attributes"] as JsonObject, pointer + "/attributes", errors);
            if (errors.Count == 0)
            {
                // Klaviyo reports a bulk import row by row (failed_count, import-errors): each row applies whole or not at
                // all, and a row that fails, whatever the reason, leaves nothing behind while the other rows go in.
                using var undo = store.BeginUndo();
                try
                {
                    var (profile, _) = ProfileMerger.Upsert(store, row, pointer, nullsClear: false, conflictThrows: true);
                    store.OnApplyStep(job.Type, i);
                    foreach (var listId in job.ListIds)
                    {
                        if (store.Lists.GetValueOrDefault(listId) is { } list)
                        {
                            store.ProtectMembership(list, profile.Id);
                            list.Members.TryAdd(profile.Id, store.Now);
                        }
                    }

                    job.ProfileIds.Add(profile.Id);
                    job.CompletedCount++;
                    continue;
                }
                catch (ApiProblemException ex)
                {
                    undo.Rollback();
                    errors.AddRange(ex.Errors);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    undo.Rollback();
                    errors.Add(new KlaviyoApiError(500, "error", "The profile could not be imported.", $"This profile could not be imported ({ex.Message}); nothing of it was applied.", Pointer: pointer));
                }
            }

            job.FailedCount++;
            var first = errors[0];
            var errorPointer = first.Pointer ?? pointer;
            job.Errors.Add(shape switch
            {
                ImportErrorShape.RowPointer => new ImportErrorRecord(store.Ids.NewUlid(store.Now), first.Code, first.Title, first.Detail,
                    "/data" + errorPointer[pointer.Length..], row.DeepClone()),
                ImportErrorShape.Bare => new ImportErrorRecord(store.Ids.NewUlid(store.Now), first.Code, first.Title, first.Detail, null, null),
                _ => new ImportErrorRecord(store.Ids.NewUlid(store.Now), first.Code, first.Title, first.Detail, errorPointer, row.DeepClone()),
            });
        }
    }

    private static IResult Get(ApiContext ctx) => ctx.Locked(() =>
        JsonApi.Document(new JsonObject { ["data"] = Resources.ImportJob(Find(ctx, "job_id"), ctx.BaseUrl, s_expiry) }));

    private static IResult Errors(ApiContext ctx) => ctx.Locked(() =>
    {
        var job = Find(ctx, "id");
        var (page, links) = ctx.Page(job.Errors, 20, 100);
        return JsonApi.Document(Resources.Collection(page.Select(Resources.ImportError), links));
    });

    private static JobRecord Find(ApiContext ctx, string routeName)
    {
        var id = ctx.RouteValue(routeName);
        return ctx.Store.Jobs.FirstOrDefault(j => j.Id == id && j.Type == JobType)
            ?? throw ApiProblemException.NotFound($"A profile bulk import job with id '{id}' does not exist.");
    }
}
