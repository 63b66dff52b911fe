using System.Globalization;
using System.Text.Json.Nodes;
using Klaviyo.Emulator.Http;
using Klaviyo.Emulator.State;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Klaviyo.Emulator.Endpoints;

/// <summary>Bulk subscribe (≤ 1,000 profiles) and bulk unsubscribe (≤ 100 profiles) jobs.</summary>
internal static class SubscriptionEndpoints
{
    public const int MaxSubscribe = 1000;
    public const int MaxUnsubscribe = 100;
    private const string RowsPointer = "/data/attributes/profiles/data";

    public static void Map(IEndpointRouteBuilder app, EmulatorRuntime runtime)
    {
        app.Map(runtime, "bulk_subscribe_profiles", ctx => Run(ctx, subscribe: true));
        app.Map(runtime, "bulk_unsubscribe_profiles", ctx => Run(ctx, subscribe: false));
    }

    private static IResult Run(ApiContext ctx, bool subscribe)
    {
        var data = ctx.Body["data"]!;
        var attributes = data["attributes"]!;
        var rows = (JsonArray)attributes["profiles"]!["data"]!;
        var max = subscribe ? MaxSubscribe : MaxUnsubscribe;
        if (rows.Count > max)
        {
            throw ApiProblemException.Invalid(RowsPointer, $"At most {max} profiles may be sent per request; got {rows.Count}.");
        }

        var historical = attributes["historical_import"]?.GetValue<bool>() ?? false;
        var errors = new List<KlaviyoApiError>();
        for (var i = 0; i < rows.Count; i++)
        {
            CheckRow((JsonObject)rows[i]!, $"{RowsPointer}/{i.ToString(CultureInfo.InvariantCulture)}", subscribe, historical, ctx.Now, errors);
        }

        ApiContext.ThrowIfAny(errors);
        var listId = data["relationships"]?["list"]?["data"]?["id"]?.GetValue<string>();
        var customSource = attributes["custom_source"]?.GetValue<string>();
        var snapshot = (JsonArray)rows.DeepClone();
        ctx.Locked(() =>
        {
            var list = listId is null ? null : ctx.Store.Lists.GetValueOrDefault(listId)
                ?? throw ApiProblemException.NotFound($"A list with id '{listId}' does not exist.", "/data/relationships/list/data/id");
            var type = subscribe ? "profile-subscription-bulk-create-job" : "profile-subscription-bulk-delete-job";
            ctx.Store.Jobs.Add(new JobRecord(ctx.Store.Ids.NewUlid(ctx.Now), type, ctx.Now, ctx.Now + ctx.Runtime.JobDelay, snapshot.Count, job =>
            {
                foreach (var row in snapshot)
                {
                    if (subscribe)
                    {
                        ConsentManager.Subscribe(ctx.Store, (JsonObject)row!, list, customSource, ctx.Runtime.Options.AutoConfirmDoubleOptIn);
                    }
                    else
                    {
                        ConsentManager.Unsubscribe(ctx.Store, (JsonObject)row!, list);
                    }

                    ctx.Store.OnApplyStep(job.Type, job.CompletedCount);
                    job.CompletedCount++;
                }
            }));
            return 0;
        });
        return Results.StatusCode(StatusCodes.Status202Accepted);
    }

    private static void CheckRow(JsonObject row, string pointer, bool subscribe, bool historical, DateTimeOffset now, List<KlaviyoApiError> errors)
    {
        var attributes = row["attributes"] as JsonObject;
        var email = attributes?["email"]?.GetValue<string>();
        var phone = attributes?["phone_number"]?.GetValue<string>();
        if (string.IsNullOrEmpty(email) && string.IsNullOrEmpty(phone) && (!subscribe || row["id"]?.GetValue<string>() is not { Length: > 0 }))
        {
            errors.Add(Invalid(pointer + "/attributes", "An email or phone_number is required for each profile."));
            return;
        }

        ProfileRules.CheckFormats(attributes, pointer + "/attributes", errors);
        if (attributes?["subscriptions"] is not JsonObject subscriptions)
        {
            return;
        }

        var subscriptionsPointer = pointer + "/attributes/subscriptions";
        if (subscriptions["email"] is not null && string.IsNullOrEmpty(email) && row["id"] is null)
        {
            errors.Add(Invalid(subscriptionsPointer + "/email", "Email consent needs the profile's email."));
        }

        foreach (var channel in new[] { "sms", "whatsapp" })
        {
            if (subscriptions[channel] is not null && string.IsNullOrEmpty(phone) && row["id"] is null)
            {
                errors.Add(Invalid(subscriptionsPointer + "/" + channel, $"{channel.ToUpperInvariant()} consent needs the profile's phone_number."));
            }
        }

        if (!subscribe)
        {
            return;
        }

        foreach (var (channel, channelNode) in subscriptions)
        {
            foreach (var (type, typeNode) in channelNode as JsonObject ?? [])
            {
                if (typeNode is not JsonObject consent || type is "tokens" or "anonymous_id")
                {
                    continue;
                }

                var at = consent["consented_at"];
                var consentPointer = $"{subscriptionsPointer}/{channel}/{type}/consented_at";
                if (historical && at is null)
                {
                    errors.Add(Invalid(consentPointer, "consented_at is required when historical_import is true."));
                }
                else if (!historical && at is not null)
                {
                    errors.Add(Invalid(consentPointer, "consented_at may only be sent when historical_import is true."));
                }
                else if (EventIngestor.ParseTime(at) is { } time && time > now)
                {
                    errors.Add(Invalid(consentPointer, "consented_at must be in the past."));
                }
            }
        }
    }

    private static KlaviyoApiError Invalid(string pointer, string detail) => new(400, "invalid", "Invalid input.", detail, Pointer: pointer);
}
