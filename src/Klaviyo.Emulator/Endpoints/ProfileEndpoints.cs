using System.Text.Json.Nodes;
using Klaviyo.Emulator.Http;
using Klaviyo.Emulator.State;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Klaviyo.Emulator.Endpoints;

/// <summary>
/// <c>POST /api/profile-import</c>, <c>POST /api/profiles</c> (409 on a duplicate), <c>PATCH /api/profiles/{id}</c>,
/// <c>GET /api/profiles</c>, <c>GET /api/profiles/{id}</c>.
/// </summary>
internal static class ProfileEndpoints
{
    public const int MaxProfileBytes = 100 * 1024;

    public static void Map(IEndpointRouteBuilder app, EmulatorRuntime runtime)
    {
        app.Map(runtime, "create_or_update_profile", Upsert);
        app.Map(runtime, "get_profiles", List);
        app.Map(runtime, "get_profile", Get);
        app.Map(runtime, "create_profile", Create);
        app.Map(runtime, "update_profile", Update);
    }

    private static void CheckSize(ApiContext ctx)
    {
        if (ctx.BodyLength > MaxProfileBytes)
        {
            throw new ApiProblemException(new KlaviyoApiError(413, "request_too_large", "Request entity too large.",
                $"A profile payload may be at most {MaxProfileBytes / 1024} KB; this one is {ctx.BodyLength / 1024} KB.", Pointer: "/data"));
        }
    }

    /// <summary><c>POST /api/profiles</c>: creates a profile; any identifier already in use is a 409 naming the existing profile.</summary>
    private static IResult Create(ApiContext ctx)
    {
        CheckSize(ctx);
        var data = (JsonObject)ctx.Body["data"]!;
        var errors = new List<KlaviyoApiError>();
        if (ProfileRules.CheckIdentifier(data, "/data", allowAnonymousId: false) is { } missing)
        {
            errors.Add(missing);
        }

        ProfileRules.CheckFormats(data["attributes"] as JsonObject, "/data/attributes", errors);
        ApiContext.ThrowIfAny(errors);
        var document = ctx.Locked(() =>
        {
            foreach (var identifier in ProfileFields.Identifiers)
            {
                if (data["attributes"]?[identifier] is JsonValue v && v.GetValue<string>() is { Length: > 0 } value
                    && ctx.Store.FindBy(identifier, value) is { } existing)
                {
                    throw new ApiProblemException(new KlaviyoApiError(409, "duplicate_profile", "Conflict.",
                        "A profile already exists with one of these identifiers.", Pointer: "/data/attributes", DuplicateProfileId: existing.Id));
                }
            }

            var (profile, _) = ProfileMerger.Upsert(ctx.Store, data, "/data", nullsClear: false, conflictThrows: true);
            return new JsonObject { ["data"] = Resources.Profile(ctx.Store, profile, ctx.BaseUrl, WantsSubscriptions(ctx)) };
        });
        return JsonApi.Document(document, StatusCodes.Status201Created);
    }

    /// <summary><c>PATCH /api/profiles/{id}</c>: updates the profile named by the path; a present null clears a field.</summary>
    private static IResult Update(ApiContext ctx)
    {
        CheckSize(ctx);
        var id = ctx.RouteValue("id");
        var data = (JsonObject)ctx.Body["data"]!;
        if (data["id"]?.GetValue<string>() != id)
        {
            throw new ApiProblemException(new KlaviyoApiError(409, "conflict", "Conflict.",
                $"The id in the body ('{data["id"]}') does not match the id in the path ('{id}').", Pointer: "/data/id"));
        }

        var errors = new List<KlaviyoApiError>();
        ProfileRules.CheckFormats(data["attributes"] as JsonObject, "/data/attributes", errors);
        ApiContext.ThrowIfAny(errors);
        var document = ctx.Locked(() =>
        {
            _ = ctx.Store.Profiles.GetValueOrDefault(id) ?? throw ApiProblemException.NotFound($"A profile with id '{id}' does not exist.");
            var (profile, _) = ProfileMerger.Upsert(ctx.Store, data, "/data", nullsClear: true, conflictThrows: true);
            return new JsonObject { ["data"] = Resources.Profile(ctx.Store, profile, ctx.BaseUrl, WantsSubscriptions(ctx)) };
        });
        return JsonApi.Document(document);
    }

    private static IResult Upsert(ApiContext ctx)
    {
        if (ctx.BodyLength > MaxProfileBytes)
        {
            throw new ApiProblemException(new KlaviyoApiError(413, "request_too_large", "Request entity too large.",
                $"A profile payload may be at most {MaxProfileBytes / 1024} KB; this one is {ctx.BodyLength / 1024} KB.", Pointer: "/data"));
        }

        var data = (JsonObject)ctx.Body["data"]!;
        var errors = new List<KlaviyoApiError>();
        if (ProfileRules.CheckIdentifier(data, "/data", allowAnonymousId: false) is { } missing)
        {
            errors.Add(missing);
        }

        ProfileRules.CheckFormats(data["attributes"] as JsonObject, "/data/attributes", errors);
        ApiContext.ThrowIfAny(errors);

        var (document, created) = ctx.Locked(() =>
        {
            var (profile, isNew) = ProfileMerger.Upsert(ctx.Store, data, "/data", nullsClear: true, conflictThrows: true);
            return (new JsonObject { ["data"] = Resources.Profile(ctx.Store, profile, ctx.BaseUrl, WantsSubscriptions(ctx)) }, isNew);
        });
        return JsonApi.Document(document, created ? StatusCodes.Status201Created : StatusCodes.Status200OK);
    }

    private static IResult List(ApiContext ctx)
    {
        var filter = ctx.Filter("id", "email", "phone_number", "external_id", "_kx", "created", "updated");
        var sort = ctx.Query("sort") ?? "id";
        return ctx.Locked(() =>
        {
            var matching = ctx.Store.Profiles.Values
                .Where(p => Resources.Matches(filter, f => f == "id" ? p.Id : p.Identifiers.GetValueOrDefault(f),
                    f => f switch { "created" => p.Created, "updated" => p.Updated, _ => null }));
            var matches = (sort.TrimStart('-') switch
            {
                "created" => matching.OrderBy(p => p.Created).ThenBy(p => p.Sequence),
                "updated" => matching.OrderBy(p => p.Updated).ThenBy(p => p.Sequence),
                "email" => matching.OrderBy(p => p.Email, StringComparer.OrdinalIgnoreCase).ThenBy(p => p.Sequence),
                "id" => matching.OrderBy(p => p.Sequence),
                _ => throw new ApiProblemException(new KlaviyoApiError(400, "invalid", "Invalid input.",
                    $"The emulator does not sort profiles by '{sort}'.", Parameter: "sort")),
            }).ToArray();
            if (sort.StartsWith('-'))
            {
                Array.Reverse(matches);
            }

            var (page, links) = ctx.Page(matches, 20, 100);
            var subscriptions = WantsSubscriptions(ctx);
            return JsonApi.Document(Resources.Collection(page.Select(p => Resources.Profile(ctx.Store, p, ctx.BaseUrl, subscriptions)), links));
        });
    }

    private static IResult Get(ApiContext ctx)
    {
        var id = ctx.RouteValue("id");
        return ctx.Locked(() =>
        {
            var profile = ctx.Store.Profiles.GetValueOrDefault(id)
                ?? throw ApiProblemException.NotFound($"A profile with id '{id}' does not exist.");
            return JsonApi.Document(new JsonObject { ["data"] = Resources.Profile(ctx.Store, profile, ctx.BaseUrl, WantsSubscriptions(ctx)) });
        });
    }

    private static bool WantsSubscriptions(ApiContext ctx) =>
        ctx.Query("additional-fields[profile]")?.Contains("subscriptions", StringComparison.Ordinal) == true;
}
