using System.Net;
using System.Text.Json.Nodes;

namespace Klaviyo.Emulator.Tests;

public sealed class ProfileImportTests
{
    [Fact]
    public async Task New_profile_is_201_with_its_id_and_the_same_email_again_is_200_for_the_same_profile()
    {
        await using var k = await TestEmulator.StartAsync();

        using var created = await k.PostAsync("api/profile-import", Bodies.Profile(new JsonObject { ["email"] = "sarah@example.com", ["first_name"] = "Sarah" }));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("application/vnd.api+json", created.Content.Headers.ContentType?.MediaType);
        var first = (await TestEmulator.Json(created))["data"]!;
        Assert.Equal("profile", first["type"]!.GetValue<string>());
        Assert.Equal(26, first["id"]!.GetValue<string>().Length);

        using var updated = await k.PostAsync("api/profile-import", Bodies.Profile(new JsonObject { ["email"] = "SARAH@example.com", ["last_name"] = "Mason" }));
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        var second = (await TestEmulator.Json(updated))["data"]!;
        Assert.Equal(first["id"]!.GetValue<string>(), second["id"]!.GetValue<string>());
        Assert.Equal("Sarah", second["attributes"]!["first_name"]!.GetValue<string>());
        Assert.Equal("Mason", second["attributes"]!["last_name"]!.GetValue<string>());
        Assert.Single(k.State.Profiles);
    }

    [Fact]
    public async Task Present_null_clears_and_omitted_keeps()
    {
        await using var k = await TestEmulator.StartAsync();
        await k.UpsertAsync(new JsonObject
        {
            ["email"] = "a@example.com", ["first_name"] = "A", ["last_name"] = "B",
            ["location"] = new JsonObject { ["city"] = "Boston", ["zip"] = "02110" },
            ["properties"] = new JsonObject { ["tier"] = "gold", ["points"] = 10 },
        });

        await k.UpsertAsync(new JsonObject
        {
            ["email"] = "a@example.com", ["first_name"] = null,
            ["location"] = new JsonObject { ["zip"] = null },
            ["properties"] = new JsonObject { ["tier"] = null, ["new"] = true },
        });

        var p = Assert.Single(k.State.Profiles);
        Assert.False(p.Attributes.ContainsKey("first_name"));
        Assert.Equal("B", p.Attributes["last_name"]!.GetValue<string>());
        Assert.Equal("Boston", p.Location["city"]!.GetValue<string>());
        Assert.False(p.Location.ContainsKey("zip"));
        Assert.False(p.Properties.ContainsKey("tier"));
        Assert.Equal(10, p.Properties["points"]!.GetValue<int>());
        Assert.True(p.Properties["new"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Patch_properties_append_unappend_and_unset()
    {
        await using var k = await TestEmulator.StartAsync();
        await k.UpsertAsync(new JsonObject { ["email"] = "a@example.com", ["properties"] = new JsonObject { ["tags"] = new JsonArray("a", "b"), ["gone"] = 1, ["also"] = 2, ["keep"] = 3 } });

        using var response = await k.PostAsync("api/profile-import", Bodies.Profile(
            new JsonObject { ["email"] = "a@example.com" },
            new JsonObject
            {
                ["patch_properties"] = new JsonObject
                {
                    ["append"] = new JsonObject { ["tags"] = "c", ["fresh"] = "x" },
                    ["unappend"] = new JsonObject { ["tags"] = "a" },
                    ["unset"] = new JsonArray("gone", "also"),
                },
            }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var props = Assert.Single(k.State.Profiles).Properties;
        Assert.Equal("""["b","c"]""", props["tags"]!.ToJsonString());
        Assert.Equal("""["x"]""", props["fresh"]!.ToJsonString());
        Assert.False(props.ContainsKey("gone"));
        Assert.False(props.ContainsKey("also"));
        Assert.Equal(3, props["keep"]!.GetValue<int>());
    }

    [Fact]
    public async Task Identifiers_of_two_different_profiles_are_a_409_duplicate_profile_naming_the_other_profile()
    {
        await using var k = await TestEmulator.StartAsync();
        var byEmail = await k.UpsertAsync(new JsonObject { ["email"] = "a@example.com" });
        var byPhone = await k.UpsertAsync(new JsonObject { ["phone_number"] = "+15005550006" });

        using var response = await k.PostAsync("api/profile-import", Bodies.Profile(new JsonObject { ["email"] = "a@example.com", ["phone_number"] = "+15005550006" }));

        var error = await TestEmulator.Error(response, 409);
        Assert.Equal("duplicate_profile", error["code"]!.GetValue<string>());
        Assert.Equal(byPhone, error["meta"]!["duplicate_profile_id"]!.GetValue<string>());
        Assert.Equal("/data/attributes/phone_number", TestEmulator.Pointer(error));
        Assert.Equal(2, k.State.Profiles.Count);
        Assert.Null(k.State.FindProfile(byEmail)!.PhoneNumber);
    }

    [Fact]
    public async Task Profiles_merge_on_external_id_and_phone_number()
    {
        await using var k = await TestEmulator.StartAsync();
        var id = await k.UpsertAsync(new JsonObject { ["external_id"] = "user-42" });
        Assert.Equal(id, await k.UpsertAsync(new JsonObject { ["external_id"] = "user-42", ["phone_number"] = "+15005550006" }));
        Assert.Equal(id, await k.UpsertAsync(new JsonObject { ["phone_number"] = "+15005550006", ["email"] = "x@example.com" }));

        var p = Assert.Single(k.State.Profiles);
        Assert.Equal(("user-42", "+15005550006", "x@example.com"), (p.ExternalId, p.PhoneNumber, p.Email));
    }

    [Fact]
    public async Task Upsert_by_id_changes_identifiers_and_an_unknown_id_is_404()
    {
        await using var k = await TestEmulator.StartAsync();
        var id = await k.UpsertAsync(new JsonObject { ["email"] = "old@example.com" });

        using var ok = await k.PostAsync("api/profile-import", Bodies.Profile(new JsonObject { ["email"] = "new@example.com" }, id: id));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("new@example.com", k.State.FindProfile(id)!.Email);
        Assert.Null(k.State.FindProfile("old@example.com"));

        using var missing = await k.PostAsync("api/profile-import", Bodies.Profile(new JsonObject { ["email"] = "x@example.com" }, id: "01JZZZZZZZZZZZZZZZZZZZZZZZ"));
        Assert.Equal("/data/id", TestEmulator.Pointer(await TestEmulator.Error(missing, 404)));
    }

    [Fact]
    public async Task A_profile_payload_over_100_KB_is_413()
    {
        await using var k = await TestEmulator.StartAsync();
        var properties = new JsonObject();
        for (var i = 0; i < 30; i++)
        {
            properties["p" + i] = new string('x', 4000);
        }

        using var response = await k.PostAsync("api/profile-import", Bodies.Profile(new JsonObject { ["email"] = "a@example.com", ["properties"] = properties }));
        await TestEmulator.Error(response, 413);
        Assert.Empty(k.State.Profiles);
    }
}
