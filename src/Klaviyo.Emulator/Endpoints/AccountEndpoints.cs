using System.Text.Json.Nodes;
using Klaviyo.Emulator.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Klaviyo.Emulator.Endpoints;

/// <summary><c>GET /api/accounts</c>: the cheap call SDKs use to check a key.</summary>
internal static class AccountEndpoints
{
    public const string AccountId = "EMUL8R";

    public static void Map(IEndpointRouteBuilder app, EmulatorRuntime runtime) =>
        app.Map(runtime, "get_accounts", Get);

    private static IResult Get(ApiContext ctx)
    {
        var account = new JsonObject
        {
            ["type"] = "account",
            ["id"] = AccountId,
            ["attributes"] = new JsonObject
            {
                ["test_account"] = true,
                ["contact_information"] = new JsonObject
                {
                    ["default_sender_name"] = "Klaviyo Emulator",
                    ["default_sender_email"] = "emulator@example.com",
                    ["website_url"] = "https://example.com",
                    ["organization_name"] = "Klaviyo Emulator",
                    ["street_address"] = new JsonObject
                    {
                        ["address1"] = "1 Loopback Way", ["address2"] = null, ["city"] = "Localhost", ["region"] = "LH",
                        ["country"] = "United States", ["zip"] = "00000",
                    },
                },
                ["industry"] = "Software",
                ["timezone"] = "UTC",
                ["preferred_currency"] = "USD",
                ["public_api_key"] = AccountId,
                ["locale"] = "en-US",
            },
            ["links"] = new JsonObject { ["self"] = $"{ctx.BaseUrl}/api/accounts/{AccountId}/" },
        };
        return JsonApi.Document(new JsonObject
        {
            ["data"] = new JsonArray(account),
            ["links"] = new JsonObject { ["self"] = $"{ctx.BaseUrl}/api/accounts/", ["next"] = null, ["prev"] = null },
        });
    }
}
