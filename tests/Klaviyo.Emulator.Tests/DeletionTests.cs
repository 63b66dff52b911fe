using System.Net;
using System.Text.Json.Nodes;

namespace Klaviyo.Emulator.Tests;

public sealed class DeletionTests
{
    [Fact]
    public async Task Deletion_job_removes_the_profile_its_events_and_memberships()
    {
        await using var k = await TestEmulator.StartAsync(o => o.JobDelay = TimeSpan.FromSeconds(5));
        var list = k.Emulator.CreateList("VIP");
        var a = await k.UpsertAsync(new JsonObject { ["email"] = "a@example.com" });
        var b = await k.UpsertAsync(new JsonObject { ["phone_number"] = "+15005550006" });
        (await k.PostAsync($"api/lists/{list}/relationships/profiles", Bodies.Members([a, b]))).Dispose();
        (await k.PostAsync("api/events", Bodies.Event(new JsonObject { ["email"] = "a@example.com" }, uniqueId: "1"))).Dispose();

        using var byEmail = await k.PostAsync("api/data-privacy-deletion-jobs", Bodies.Deletion(new JsonObject { ["email"] = "a@example.com" }));
        using var byPhone = await k.PostAsync("api/data-privacy-deletion-jobs", Bodies.Deletion(new JsonObject { ["phone_number"] = "+15005550006" }));
        Assert.Equal(HttpStatusCode.Accepted, byEmail.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, byPhone.StatusCode);
        Assert.Equal(2, k.State.Profiles.Count);

        k.Time.Advance(TimeSpan.FromSeconds(5));
        Assert.Empty(k.State.Profiles);
        Assert.Empty(k.State.Events);
        Assert.Empty(k.State.Lists.Single().ProfileIds);

        // The same email starts a fresh profile afterwards.
        Assert.NotEqual(a, await k.UpsertAsync(new JsonObject { ["email"] = "a@example.com" }));
    }

    [Fact]
    public async Task Deletion_needs_an_identifier()
    {
        await using var k = await TestEmulator.StartAsync();
        using var response = await k.PostAsync("api/data-privacy-deletion-jobs", Bodies.Deletion([]));
        Assert.Equal("/data/attributes/profile/data/attributes", TestEmulator.Pointer(await TestEmulator.Error(response, 400)));
    }
}
