using System.Net;
using System.Text.Json.Nodes;

namespace Klaviyo.Emulator.Tests;

public sealed class ListTests
{
    [Fact]
    public async Task Create_list_is_201_and_get_lists_finds_it_by_name()
    {
        await using var k = await TestEmulator.StartAsync(o => o.Lists["Y6nRLr"] = "Newsletter");
        using var created = await k.PostAsync("api/lists", Bodies.List("VIP"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await TestEmulator.Json(created))["data"]!["id"]!.GetValue<string>();

        var all = await TestEmulator.Json(await k.GetAsync("api/lists"));
        Assert.Equal(["Y6nRLr", id], all["data"]!.AsArray().Select(l => l!["id"]!.GetValue<string>()));

        var vip = await TestEmulator.Json(await k.GetAsync("api/lists?filter=equals(name,\"VIP\")"));
        Assert.Equal(id, Assert.Single(vip["data"]!.AsArray())!["id"]!.GetValue<string>());
        Assert.Equal("double_opt_in", vip["data"]![0]!["attributes"]!["opt_in_process"]!.GetValue<string>());
    }

    [Fact]
    public async Task Add_and_remove_members_are_204_and_the_list_profiles_follow()
    {
        await using var k = await TestEmulator.StartAsync();
        var list = k.Emulator.CreateList("VIP");
        var a = await k.UpsertAsync(new JsonObject { ["email"] = "a@example.com" });
        var b = await k.UpsertAsync(new JsonObject { ["email"] = "b@example.com" });

        using var add = await k.PostAsync($"api/lists/{list}/relationships/profiles", Bodies.Members([a, b]));
        Assert.Equal(HttpStatusCode.NoContent, add.StatusCode);
        var members = await TestEmulator.Json(await k.GetAsync($"api/lists/{list}/profiles"));
        Assert.Equal([a, b], members["data"]!.AsArray().Select(p => p!["id"]!.GetValue<string>()));
        Assert.NotNull(members["data"]![0]!["attributes"]!["joined_group_at"]);

        using var remove = await k.DeleteAsync($"api/lists/{list}/relationships/profiles", Bodies.Members([a]));
        Assert.Equal(HttpStatusCode.NoContent, remove.StatusCode);
        Assert.Equal([b], k.State.Lists.Single().ProfileIds);
        Assert.Equal([list], k.State.FindProfile(b)!.ListIds);
        Assert.Empty(k.State.FindProfile(a)!.ListIds);
    }

    [Fact]
    public async Task Adding_an_unknown_profile_id_is_400_at_its_index_and_an_unknown_list_is_404()
    {
        await using var k = await TestEmulator.StartAsync();
        var list = k.Emulator.CreateList("VIP");
        var a = await k.UpsertAsync(new JsonObject { ["email"] = "a@example.com" });

        using var unknownProfile = await k.PostAsync($"api/lists/{list}/relationships/profiles", Bodies.Members([a, "NOPE"]));
        Assert.Equal("/data/1/id", TestEmulator.Pointer(await TestEmulator.Error(unknownProfile, 400)));
        Assert.Empty(k.State.Lists.Single().ProfileIds);

        using var unknownList = await k.PostAsync("api/lists/NOPE/relationships/profiles", Bodies.Members([a]));
        await TestEmulator.Error(unknownList, 404);
    }

    [Fact]
    public async Task List_membership_does_not_change_consent()
    {
        await using var k = await TestEmulator.StartAsync();
        var list = k.Emulator.CreateList("VIP");
        var a = await k.UpsertAsync(new JsonObject { ["email"] = "a@example.com" });
        (await k.PostAsync($"api/lists/{list}/relationships/profiles", Bodies.Members([a]))).Dispose();
        Assert.Empty(k.State.FindProfile(a)!.Subscriptions);
    }

    [Fact]
    public async Task Get_list_by_id_follows_self_links_with_their_trailing_slash()
    {
        await using var k = await TestEmulator.StartAsync();
        _ = k.Emulator.CreateList("VIP", id: "VIP001");
        var list = await TestEmulator.Json(await k.GetAsync("api/lists/VIP001"));
        var self = list["data"]!["links"]!["self"]!.GetValue<string>();
        Assert.EndsWith("/api/lists/VIP001/", self);

        using var again = await k.GetAsync(self);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal("VIP", (await TestEmulator.Json(again))["data"]!["attributes"]!["name"]!.GetValue<string>());
        using var missing = await k.GetAsync("api/lists/NOPE");
        await TestEmulator.Error(missing, 404);
    }
}
