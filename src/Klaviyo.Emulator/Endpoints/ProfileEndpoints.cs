using System.Text.Json.Nodes;
using Klaviyo.Emulator.Http;
using Klaviyo.Emulator.State;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Klaviyo.Emulator.Endpoints;

/// <summary><c>POST /api/profile-import</c>, <c>GET /api/profiles</c>, <c>GET /api/profiles/{id}</c>.</summary>
internal static class ProfileEndpoints
{
    public const int MaxProfileBytes = 100 * 1024;

    public static void Map(IEndpointRouteBuilder app, EmulatorRuntime runtime)
    {
        app.Map(runtime, "create_or_update_profile", Upsert);
        app.Map(runtime, "get_profiles", List);
        app.Map(runtime, "get_profile", Get);
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
        var filter = ctx.Filter("id", "email", "phone_number", "external_id", "_kx");
        return ctx.Locked(() =>
        {
            var matches = ctx.Store.Profiles.Values
                .Where(p => Resources.Matches(filter, f => f == "id" ? p.Id : p.Identifiers.GetValueOrDefault(f)))
                .OrderBy(p => p.Sequence)
                .ToArray();
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
