using System.Net;
using System.Text.Json.Nodes;

namespace Klaviyo.Emulator.Tests;

public sealed class BulkImportTests
{
    [Fact]
    public async Task Import_job_stays_queued_until_its_delay_passes_on_the_clock_then_completes()
    {
        await using var k = await TestEmulator.StartAsync(o => o.JobDelay = TimeSpan.FromSeconds(10));
        var list = k.Emulator.CreateList("Imported", id: "LST001");

        using var response = await k.PostAsync("api/profile-bulk-import-jobs", Bodies.BulkImport(
            [new JsonObject { ["email"] = "a@example.com", ["first_name"] = "A" }, new JsonObject { ["phone_number"] = "+15005550006" }], list));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var job = (await TestEmulator.Json(response))["data"]!;
        Assert.Equal("profile-bulk-import-job", job["type"]!.GetValue<string>());
        Assert.Equal("queued", job["attributes"]!["status"]!.GetValue<string>());
        Assert.Equal(2, job["attributes"]!["total_count"]!.GetValue<int>());
        var id = job["id"]!.GetValue<string>();

        k.Time.Advance(TimeSpan.FromSeconds(9));
        var pending = await TestEmulator.Json(await k.GetAsync($"api/profile-bulk-import-jobs/{id}"));
        Assert.Equal("queued", pending["data"]!["attributes"]!["status"]!.GetValue<string>());
        Assert.Empty(k.State.Profiles);

        k.Time.Advance(TimeSpan.FromSeconds(1));
        var done = (await TestEmulator.Json(await k.GetAsync($"api/profile-bulk-import-jobs/{id}")))["data"]!["attributes"]!;
        Assert.Equal("complete", done["status"]!.GetValue<string>());
        Assert.Equal(2, done["completed_count"]!.GetValue<int>());
        Assert.Equal(0, done["failed_count"]!.GetValue<int>());
        Assert.NotNull(done["completed_at"]!.GetValue<string>());
        Assert.Equal(2, k.State.Profiles.Count);
        Assert.Equal(2, k.State.Lists.Single(l => l.Id == list).ProfileIds.Count);
    }

    [Fact]
    public async Task Bad_rows_become_import_errors_with_pointers_and_good_rows_are_imported()
    {
        await using var k = await TestEmulator.StartAsync();
        var existingByPhone = await k.UpsertAsync(new JsonObject { ["phone_number"] = "+15005550006" });
        await k.UpsertAsync(new JsonObject { ["email"] = "taken@example.com" });

        using var response = await k.PostAsync("api/profile-bulk-import-jobs", Bodies.BulkImport(
        [
            new JsonObject { ["email"] = "ok@example.com" },
            new JsonObject { ["first_name"] = "No identifier" },
            new JsonObject { ["email"] = "not-an-email" },
            new JsonObject { ["email"] = "taken@example.com", ["phone_number"] = "+15005550006" },
        ]));
        var id = (await TestEmulator.Json(response))["data"]!["id"]!.GetValue<string>();

        var job = (await TestEmulator.Json(await k.GetAsync($"api/profile-bulk-import-jobs/{id}")))["data"]!["attributes"]!;
        Assert.Equal((1, 3), (job["completed_count"]!.GetValue<int>(), job["failed_count"]!.GetValue<int>()));

        var errors = (await TestEmulator.Json(await k.GetAsync($"api/profile-bulk-import-jobs/{id}/import-errors")))["data"]!.AsArray();
        Assert.Equal(3, errors.Count);
        Assert.All(errors, e => Assert.Equal("import-error", e!["type"]!.GetValue<string>()));
        Assert.Equal("/data/attributes/profiles/data/1/attributes", errors[0]!["attributes"]!["source"]!["pointer"]!.GetValue<string>());
        Assert.Equal("/data/attributes/profiles/data/2/attributes/email", errors[1]!["attributes"]!["source"]!["pointer"]!.GetValue<string>());
        Assert.Equal("duplicate_profile", errors[2]!["attributes"]!["code"]!.GetValue<string>());
        Assert.Equal("not-an-email", errors[1]!["attributes"]!["original_payload"]!["attributes"]!["email"]!.GetValue<string>());
        Assert.NotNull(k.State.FindProfile("ok@example.com"));
        Assert.Null(k.State.FindProfile(existingByPhone)!.Email);
    }

    [Fact]
    public async Task Bulk_import_ignores_nulls_instead_of_clearing()
    {
        await using var k = await TestEmulator.StartAsync();
        await k.UpsertAsync(new JsonObject { ["email"] = "a@example.com", ["first_name"] = "Ann", ["properties"] = new JsonObject { ["x"] = 1 } });

        (await k.PostAsync("api/profile-bulk-import-jobs", Bodies.BulkImport(
            [new JsonObject { ["email"] = "a@example.com", ["first_name"] = null, ["last_name"] = "Lee", ["properties"] = new JsonObject { ["x"] = null } }]))).Dispose();

        var p = Assert.Single(k.State.Profiles);
        Assert.Equal("Ann", p.Attributes["first_name"]!.GetValue<string>());
        Assert.Equal("Lee", p.Attributes["last_name"]!.GetValue<string>());
        Assert.Equal(1, p.Properties["x"]!.GetValue<int>());
    }

    [Fact]
    public async Task Unknown_job_or_list_is_404()
    {
        await using var k = await TestEmulator.StartAsync();
        using var job = await k.GetAsync("api/profile-bulk-import-jobs/NOPE");
        await TestEmulator.Error(job, 404);

        using var list = await k.PostAsync("api/profile-bulk-import-jobs", Bodies.BulkImport([new JsonObject { ["email"] = "a@example.com" }], "NOLIST"));
        Assert.Equal("/data/relationships/lists/data/0/id", TestEmulator.Pointer(await TestEmulator.Error(list, 404)));
    }

    [Fact]
    public async Task Other_bulk_jobs_also_wait_for_the_delay()
    {
        await using var k = await TestEmulator.StartAsync(o => o.JobDelay = TimeSpan.FromMinutes(1));
        using var response = await k.PostAsync("api/event-bulk-create-jobs", Bodies.BulkEvents(
            Bodies.BulkEntry(new JsonObject { ["email"] = "a@example.com" }, Bodies.EventAttributes(uniqueId: "1"))));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("queued", Assert.Single(k.State.Jobs).Status);
        Assert.Empty(k.State.Events);

        k.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Single(k.State.Events);
        Assert.Equal("complete", Assert.Single(k.State.Jobs).Status);
    }

    [Fact]
    public async Task Job_delay_shrinks_with_the_time_scale()
    {
        await using var k = await TestEmulator.StartAsync(o => (o.JobDelay, o.TimeScale) = (TimeSpan.FromMinutes(1), 60));
        (await k.PostAsync("api/profile-bulk-import-jobs", Bodies.BulkImport([new JsonObject { ["email"] = "a@example.com" }]))).Dispose();
        k.Time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Empty(k.State.Profiles);
        k.Time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Single(k.State.Profiles);
    }
}
