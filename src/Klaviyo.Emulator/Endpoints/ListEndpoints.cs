using System.Globalization;
using System.Text.Json.Nodes;
using Klaviyo.Emulator.Http;
using Klaviyo.Emulator.State;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Klaviyo.Emulator.Endpoints;

/// <summary>Lists: create, read, members, and membership add/remove (<c>/api/lists/{id}/relationships/profiles</c>).</summary>
internal static class ListEndpoints
{
    public const int MaxMembershipChanges = 1000;

    public static void Map(IEndpointRouteBuilder app, EmulatorRuntime runtime)
    {
        app.Map(runtime, "get_lists", List);
        app.Map(runtime, "create_list", Create);
        app.Map(runtime, "get_list", Get);
        app.Map(runtime, "get_profiles_for_list", Members);
        app.Map(runtime, "get_profile_ids_for_list", MemberIds);
        app.Map(runtime, "add_profiles_to_list", ctx => ChangeMembers(ctx, add: true));
        app.Map(runtime, "remove_profiles_from_list", ctx => ChangeMembers(ctx, add: false));
    }

    private static IResult List(ApiContext ctx)
    {
        var filter = ctx.Filter("id", "name");
        return ctx.Locked(() =>
        {
            var lists = ctx.Store.Lists.Values
                .Where(l => Resources.Matches(filter, f => f == "id" ? l.Id : l.Name))
                .OrderBy(l => l.Sequence)
                .ToArray();
            var (page, links) = ctx.Page(lists, 10, 10);
            return JsonApi.Document(Resources.Collection(page.Select(l => Resources.List(l, ctx.BaseUrl)), links));
        });
    }

    private static IResult Create(ApiContext ctx)
    {
        var attributes = ctx.Body["data"]!["attributes"]!;
        var name = attributes["name"]!.GetValue<string>();
        if (string.IsNullOrWhiteSpace(name))
        {
            throw ApiProblemException.Invalid("/data/attributes/name", "The list name may not be blank.");
        }

        var optIn = attributes["opt_in_process"]?.GetValue<string>() ?? "double_opt_in";
        var list = ctx.Locked(() => ctx.Store.CreateList(null, name, optIn));
        return JsonApi.Document(new JsonObject { ["data"] = Resources.List(list, ctx.BaseUrl) }, StatusCodes.Status201Created);
    }

    private static IResult Get(ApiContext ctx) => ctx.Locked(() =>
        JsonApi.Document(new JsonObject { ["data"] = Resources.List(Find(ctx), ctx.BaseUrl) }));

    private static IResult Members(ApiContext ctx)
    {
        var filter = ctx.Filter("email", "phone_number");
        return ctx.Locked(() =>
        {
            var list = Find(ctx);
            var members = list.Members
                .OrderBy(m => m.Value)
                .Select(m => ctx.Store.Profiles.GetValueOrDefault(m.Key))
                .OfType<ProfileRecord>()
                .Where(p => Resources.Matches(filter, f => p.Identifiers.GetValueOrDefault(f)))
                .ToArray();
            var (page, links) = ctx.Page(members, 20, 100);
            return JsonApi.Document(Resources.Collection(page.Select(p =>
            {
                var resource = Resources.Profile(ctx.Store, p, ctx.BaseUrl, subscriptions: false);
                resource["attributes"]!["joined_group_at"] = JsonApi.Timestamp(list.Members[p.Id]);
                return resource;
            }), links));
        });
    }

    private static IResult MemberIds(ApiContext ctx) => ctx.Locked(() =>
    {
        var list = Find(ctx);
        var (page, links) = ctx.Page(list.Members.OrderBy(m => m.Value).Select(m => m.Key).ToArray(), 1000, 1000);
        return JsonApi.Document(Resources.Collection(page.Select(id => Resources.Ref("profile", id)), links));
    });

    private static IResult ChangeMembers(ApiContext ctx, bool add)
    {
        var data = (JsonArray)ctx.Body["data"]!;
        if (data.Count > MaxMembershipChanges)
        {
            throw ApiProblemException.Invalid("/data", $"At most {MaxMembershipChanges} profiles may be sent per request; got {data.Count}.");
        }

        ctx.Locked(() =>
        {
            var list = Find(ctx);
            var ids = data.Select(d => d!["id"]!.GetValue<string>()).ToArray();
            if (add)
            {
                var errors = new List<KlaviyoApiError>();
                for (var i = 0; i < ids.Length; i++)
                {
                    if (!ctx.Store.Profiles.ContainsKey(ids[i]))
                    {
                        errors.Add(new KlaviyoApiError(400, "invalid", "Invalid input.", $"Profile '{ids[i]}' does not exist.",
                            Pointer: $"/data/{i.ToString(CultureInfo.InvariantCulture)}/id"));
                    }
                }

                ApiContext.ThrowIfAny(errors);
                foreach (var id in ids)
                {
                    list.Members.TryAdd(id, ctx.Store.Now);
                }
            }
            else
            {
                // Removing a profile that is not (or no longer) a member is not an error.
                foreach (var id in ids)
                {
                    list.Members.Remove(id);
                }
            }

            list.Updated = ctx.Store.Now;
            return 0;
        });
        return Results.NoContent();
    }

    private static ListRecord Find(ApiContext ctx)
    {
        var id = ctx.RouteValue("id");
        return ctx.Store.Lists.GetValueOrDefault(id) ?? throw ApiProblemException.NotFound($"A list with id '{id}' does not exist.");
    }
}
