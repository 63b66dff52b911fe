using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Klaviyo.Emulator.Tests.Inspector;

/// <summary>
/// The inspector page at <c>/</c> in a real headless Chromium (Debian's package, driven by Playwright): after a known
/// sequence of API calls it shows what a developer needs — and keeps itself up to date.
/// </summary>
public sealed class InspectorPageTests(ITestOutputHelper output)
{
    [ChromiumFact]
    public async Task The_page_shows_profiles_events_per_metric_rejections_jobs_and_pending_opt_ins_and_refreshes_itself()
    {
        await using var klaviyo = await TestEmulator.StartAsync(o => o.RateLimitsEnabled = true);
        await klaviyo.UpsertAsync(new JsonObject { ["email"] = "ada@example.com", ["first_name"] = "Ada" });
        await klaviyo.UpsertAsync(new JsonObject { ["email"] = "bob@example.com", ["external_id"] = "bob-1", ["first_name"] = "<i>Bob</i>" });
        for (var i = 0; i < 3; i++)
        {
            (await klaviyo.PostAsync("api/events", Bodies.Event(new JsonObject { ["email"] = "ada@example.com" }, "Placed Order", $"order-{i}"))).Dispose();
        }

        (await klaviyo.PostAsync("api/events", Bodies.Event(new JsonObject { ["email"] = "ada@example.com" }, "Viewed Product", "view-1"))).Dispose();
        using (var bad = await klaviyo.PostAsync("api/profile-import", Bodies.Profile(new JsonObject { ["email"] = "not-an-email" })))
        {
            Assert.Equal(400, (int)bad.StatusCode);
        }

        // a bulk import whose second row claims ada's email with bob's external id: that row fails
        (await klaviyo.PostAsync("api/profile-bulk-import-jobs", Bodies.BulkImport([
            new JsonObject { ["email"] = "cy@example.com" },
            new JsonObject { ["email"] = "ada@example.com", ["external_id"] = "bob-1" },
        ]))).Dispose();
        var newsletter = klaviyo.Emulator.CreateList("Newsletter", doubleOptIn: true);
        (await klaviyo.PostAsync("api/profile-subscription-bulk-create-jobs", Bodies.Subscription(true,
            [new JsonObject { ["email"] = "dee@example.com", ["subscriptions"] = Bodies.Consent("SUBSCRIBED", "email.marketing") }], newsletter))).Dispose();

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumFactAttribute.ExecutablePath,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        var scriptErrors = new List<string>();
        page.PageError += (_, message) => scriptErrors.Add(message);
        await page.GotoAsync(klaviyo.Emulator.BaseAddress.ToString());

        await Expect(page.Locator("#profiles")).ToContainTextAsync("ada@example.com");
        await Expect(page.Locator("#profiles")).ToContainTextAsync("Ada");
        await Expect(page.Locator("#profiles")).ToContainTextAsync("<i>Bob</i>"); // what arrived is shown as text, never as markup
        await Expect(page.Locator("#profiles i")).ToHaveCountAsync(0);
        await Expect(page.Locator("#events tr", new PageLocatorOptions { HasText = "Placed Order" }).Locator(".metric-count")).ToHaveTextAsync("3");
        await Expect(page.Locator("#events tr", new PageLocatorOptions { HasText = "Viewed Product" }).Locator(".metric-count")).ToHaveTextAsync("1");
        var rejected = page.Locator("#rejected tr", new PageLocatorOptions { HasText = "POST /api/profile-import" });
        await Expect(rejected.Locator(".pointer")).ToHaveTextAsync("/data/attributes/email");
        await Expect(rejected).ToContainTextAsync("400");
        await Expect(page.Locator("#jobs")).ToContainTextAsync("duplicate_profile");
        await Expect(page.Locator("#jobs")).ToContainTextAsync("/data/attributes/profiles/data/1/attributes/external_id");
        await Expect(page.Locator("#lists tr", new PageLocatorOptions { HasText = "Newsletter" }).Locator(".pending")).ToHaveTextAsync("dee@example.com");
        await Expect(page.Locator("#rate-limits")).ToContainTextAsync("create_event");
        await Expect(page.Locator("#faults")).ToContainTextAsync("no faults");

        // Live: a new event and a fault switched on elsewhere appear without reloading the page.
        (await klaviyo.PostAsync("api/events", Bodies.Event(new JsonObject { ["email"] = "ada@example.com" }, "Placed Order", "order-3"))).Dispose();
        klaviyo.Emulator.SetFaults(EmulatorFaults.None with { FailureRate = 0.5 });
        await Expect(page.Locator("#events tr", new PageLocatorOptions { HasText = "Placed Order" }).Locator(".metric-count")).ToHaveTextAsync("4");
        await Expect(page.Locator("#faults")).ToContainTextAsync("faults active");

        var screenshot = Path.Combine(AppContext.BaseDirectory, "artifacts", "inspector.png");
        Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
        output.WriteLine("Screenshot: " + screenshot);
        Assert.Empty(scriptErrors);
    }
}
