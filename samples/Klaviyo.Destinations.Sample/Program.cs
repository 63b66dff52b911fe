using System.Net.Http.Headers;
using System.Text.Json;
using Klaviyo.Destinations;
using Klaviyo.Destinations.Sample;
using Klaviyo.Emulator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

// Where to send: the in-process Klaviyo emulator by default; Klaviyo itself when KLAVIYO_API_KEY is set
// (KLAVIYO_BASE_URL points it at another address, e.g. a standalone emulator).
var apiKey = Environment.GetEnvironmentVariable("KLAVIYO_API_KEY");
var baseUrl = Environment.GetEnvironmentVariable("KLAVIYO_BASE_URL");
await using var emulator = string.IsNullOrEmpty(apiKey) ? await KlaviyoEmulator.StartAsync() : null;
if (emulator is not null)
{
    apiKey = "pk_emulator_sample";
    baseUrl = emulator.BaseAddress.ToString();
    Console.WriteLine($"No KLAVIYO_API_KEY set: using the local Klaviyo emulator at {baseUrl}");
}
baseUrl ??= KlaviyoApi.ProductionBaseUrl;

var outcomes = new List<DeliveryOutcome>();
var services = new ServiceCollection()
    .AddLogging(logging => logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning))
    .AddKlaviyoDestinations(options =>
    {
        options.ApiKey = apiKey;
        options.BaseUrl = new Uri(baseUrl);
        options.DefaultPhoneRegion = "US";
        // Against Klaviyo the queue is durable (the default: on disk, per app and account). The in-process emulator
        // lives only as long as this run, so its items are kept in memory.
        if (emulator is not null) options.QueueStorage = QueueStorage.Memory;
        options.OnOutcome = outcome => { lock (outcomes) outcomes.Add(outcome); };
    });
await using var provider = services.BuildServiceProvider();
var analytics = provider.GetRequiredService<Analytics>();

var runId = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
var email = $"ada+{runId}@example.com";
var customer = new Customer(email, "Ada", "Lovelace", "(415) 555-0123",
    new ShippingAddress("12 Market St", "San Francisco", "CA", "94105", "US"), LoyaltyPoints: 1200, InternalNotes: "never sent");

analytics.Identify($"user-{runId}", customer);
analytics.Track($"user-{runId}", "Product Viewed", new Dictionary<string, object?> { ["product_id"] = "p-1", ["name"] = "Analytical Engine" });
analytics.Track($"user-{runId}", new OrderCompleted($"order-{runId}", 42.50m, "USD",
[
    new Product("p-1", "AE-1", "Analytical Engine", 40m, 1, "https://shop.example/p-1", "https://shop.example/p-1.png"),
    new Product("p-2", "PC-9", "Punched cards", 1.25m, 2),
]));
await analytics.FlushAsync();

Console.WriteLine();
Console.WriteLine("Outcomes:");
foreach (var outcome in outcomes)
    Console.WriteLine($"  {outcome.Status,-9} {outcome.Kind,-7} {outcome.UniqueId ?? "(profile)"}{(outcome.Reason is null ? "" : " — " + outcome.Reason)}");

// What Klaviyo received, read back through its own API.
using var http = new HttpClient { BaseAddress = new Uri(baseUrl) };
http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Klaviyo-API-Key", apiKey);
http.DefaultRequestHeaders.Add("revision", KlaviyoApi.Revision);
http.DefaultRequestHeaders.Accept.ParseAdd("application/vnd.api+json");
using var profiles = JsonDocument.Parse(await http.GetStringAsync("/api/profiles?filter=" + Uri.EscapeDataString($"equals(email,\"{email}\")")));
var profile = profiles.RootElement.GetProperty("data")[0];
Console.WriteLine();
Console.WriteLine($"Profile {profile.GetProperty("id").GetString()}:");
Console.WriteLine(JsonSerializer.Serialize(profile.GetProperty("attributes"), new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
using var events = JsonDocument.Parse(await http.GetStringAsync("/api/events?include=metric&filter=" + Uri.EscapeDataString($"equals(profile_id,\"{profile.GetProperty("id").GetString()}\")")));
var metrics = events.RootElement.TryGetProperty("included", out var included)
    ? included.EnumerateArray().ToDictionary(m => m.GetProperty("id").GetString()!, m => m.GetProperty("attributes").GetProperty("name").GetString())
    : [];
Console.WriteLine();
Console.WriteLine("Events:");
foreach (var evt in events.RootElement.GetProperty("data").EnumerateArray())
{
    var metricId = evt.GetProperty("relationships").GetProperty("metric").GetProperty("data").GetProperty("id").GetString()!;
    var properties = evt.GetProperty("attributes").GetProperty("event_properties");
    var uniqueId = properties.TryGetProperty("$event_id", out var id) ? id.GetString() : null;
    Console.WriteLine($"  {metrics.GetValueOrDefault(metricId),-16} unique_id={uniqueId,-24} {properties.EnumerateObject().Count(p => !p.Name.StartsWith('$'))} properties");
}
return outcomes.All(o => o.Status == DeliveryStatus.Delivered) ? 0 : 1;
