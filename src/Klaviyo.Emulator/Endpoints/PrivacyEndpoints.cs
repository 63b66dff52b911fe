using System.Text.Json.Nodes;
using Klaviyo.Emulator.Http;
using Klaviyo.Emulator.State;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Klaviyo.Emulator.Endpoints;

/// <summary><c>POST /api/data-privacy-deletion-jobs</c>: deletes a profile (and its events and memberships) by id, email or phone number.</summary>
internal static class PrivacyEndpoints
{
    public static void Map(IEndpointRouteBuilder app, EmulatorRuntime runtime) =>
        app.Map(runtime, "request_profile_deletion", Delete);

    private static IResult Delete(ApiContext ctx)
    {
        var profileData = (JsonObject)ctx.Body["data"]!["attributes"]!["profile"]!["data"]!;
        var id = profileData["id"]?.GetValue<string>();
        var email = profileData["attributes"]?["email"]?.GetValue<string>();
        var phone = profileData["attributes"]?["phone_number"]?.GetValue<string>();
        if (string.IsNullOrEmpty(id) && string.IsNullOrEmpty(email) && string.IsNullOrEmpty(phone))
        {
            throw ApiProblemException.Invalid("/data/attributes/profile/data/attributes", "One of the profile id, email or phone_number is required.");
        }

        ctx.Locked(() =>
        {
            ctx.Store.Jobs.Add(new JobRecord(ctx.Store.Ids.NewUlid(ctx.Now), "data-privacy-deletion-job", ctx.Now, ctx.Now + ctx.Runtime.JobDelay, 1, job =>
            {
                var profile = (string.IsNullOrEmpty(id) ? null : ctx.Store.Profiles.GetValueOrDefault(id))
                    ?? (string.IsNullOrEmpty(email) ? null : ctx.Store.FindBy(ProfileFields.Email, email))
                    ?? (string.IsNullOrEmpty(phone) ? null : ctx.Store.FindBy(ProfileFields.PhoneNumber, phone));
                if (profile is not null)
                {
                    ctx.Store.DeleteProfile(profile);
                    job.CompletedCount++;
                }
            }));
            return 0;
        });
        return Results.StatusCode(StatusCodes.Status202Accepted);
    }
}
