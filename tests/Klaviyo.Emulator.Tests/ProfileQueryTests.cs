using System.Net;
using System.Text.Json.Nodes;

namespace Klaviyo.Emulator.Tests;

public sealed class ProfileQueryTests
{
    [Fact]
    public async Task Get_profiles_filters_with_equals_and_any_on_each_identifier()
    {
        await using var k = await TestEmulator.StartAsync();
        var a = await k.UpsertAsync(new JsonObject { ["email"] = "a@example.com", ["external_id"] = "u-1" });
        var b = await k.UpsertAsync(new JsonObject { ["email"] = "b@example.com", ["phone_number"] = "+15005550006" });
        await k.UpsertAsync(new JsonObject { ["email"] = "c@example.com" });

        async Task<string[]> Ids(string filter) =>
            (await TestEmulator.Json(await k.GetAsync("api/profiles?filter=" + Uri.EscapeDataString(filter))))["data"]!.AsArray()
                .Select(p => p!["id"]!.GetValue<string>()).ToArray();

        Assert.Equal([a], await Ids("equals(email,\"a@example.com\")"));
        Assert.Equal([a, b], await Ids("any(email,[\"a@example.com\",\"b@example.com\"])"));
        Assert.Equal([b], await Ids("equals(phone_number,'+15005550006')"));
        Assert.Equal([a], await Ids("equals(external_id,\"u-1\")"));
        Assert.Equal([b], await Ids($"equals(id,\"{b}\")"));
        Assert.Empty(await Ids("equals(email,\"nobody@example.com\")"));
    }

    [Fact]
    public async Task Get_profile_by_id_and_404_for_an_unknown_one()
    {
        await using var k = await TestEmulator.StartAsync();
        var a = await k.UpsertAsync(new JsonObject { ["email"] = "a@example.com" });

        var profile = await TestEmulator.Json(await k.GetAsync($"api/profiles/{a}?additional-fields[profile]=subscriptions"));
        Assert.Equal("a@example.com", profile["data"]!["attributes"]!["email"]!.GetValue<string>());
        Assert.NotNull(profile["data"]!["attributes"]!["subscriptions"]);

        using var missing = await k.GetAsync("api/profiles/NOPE");
        Assert.Equal("not_found", (await TestEmulator.Error(missing, 404))["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Pages_follow_links_next_with_a_cursor()
    {
        await using var k = await TestEmulator.StartAsync();
        for (var i = 0; i < 3; i++)
        {
            await k.UpsertAsync(new JsonObject { ["email"] = $"u{i}@example.com" });
        }

        var seen = new List<string>();
        var url = "api/profiles?page[size]=2";
        while (url is not null)
        {
            var page = await TestEmulator.Json(await k.GetAsync(url));
            seen.AddRange(page["data"]!.AsArray().Select(p => p!["attributes"]!["email"]!.GetValue<string>()));
            url = page["links"]!["next"]?.GetValue<string>()!;
        }

        Assert.Equal(["u0@example.com", "u1@example.com", "u2@example.com"], seen);

        using var tooBig = await k.GetAsync("api/profiles?page[size]=101");
        Assert.Equal("page[size]", (await TestEmulator.Error(tooBig, 400))["source"]!["parameter"]!.GetValue<string>());
    }

    [Fact]
    public async Task Get_accounts_answers_the_key_check()
    {
        await using var k = await TestEmulator.StartAsync();
        using var response = await k.GetAsync("api/accounts");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var account = (await TestEmulator.Json(response))["data"]![0]!;
        Assert.Equal("account", account["type"]!.GetValue<string>());
        Assert.NotNull(account["attributes"]!["public_api_key"]);
    }
}
