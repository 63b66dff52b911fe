using Klaviyo.Destinations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// The README's registration in a Native AOT app: settings from configuration (Klaviyo__ApiKey, Klaviyo__BaseUrl, …
// environment variables), a generated mapper, the hosted service. Exits 0 when every event was delivered.
var builder = Host.CreateApplicationBuilder(args);
var delivered = 0;
var failed = 0;
builder.Services.AddKlaviyoDestinations(builder.Configuration.GetSection("Klaviyo"), o =>
    o.OnOutcome = outcome => Interlocked.Increment(ref outcome.Status == DeliveryStatus.Delivered ? ref delivered : ref failed));
using var host = builder.Build();
await host.StartAsync();

var analytics = host.Services.GetRequiredService<Analytics>();
const int Orders = 20;
for (var n = 0; n < Orders; n++)
{
    analytics.Identify($"aot-{n}", new AotCustomer($"aot-{n}@example.com", "Ada"));
    analytics.Track($"aot-{n}", new AotOrder($"order-{n}", 12.5m + n, "USD"));
}
await analytics.FlushAsync();
await host.StopAsync();
await ((IAsyncDisposable)host).DisposeAsync();

Console.WriteLine($"delivered {delivered} of {2 * Orders}, failed {failed}");
return delivered == 2 * Orders && failed == 0 ? 0 : 1;

[KlaviyoProfile]
internal sealed record AotCustomer(string Email, string FirstName);

[KlaviyoEvent("Order Completed")]
internal sealed record AotOrder(string OrderId, decimal Revenue, string Currency);
