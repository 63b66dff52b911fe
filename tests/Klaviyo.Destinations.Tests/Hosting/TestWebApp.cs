using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Klaviyo.Destinations.Tests.Hosting;

/// <summary>
/// A real ASP.NET Core app on Kestrel (127.0.0.1, a free port), registered the way the README shows: the hosting
/// tests use it as a user's app would be, with an endpoint that tracks an order.
/// </summary>
internal static class TestWebApp
{
    public static WebApplication Build(Action<WebApplicationBuilder> configure, SignalingLoggerProvider? logs = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        if (logs is not null) builder.Logging.AddProvider(logs).SetMinimumLevel(LogLevel.Debug);
        configure(builder);
        var app = builder.Build();
        // What a business endpoint does: take the order, tell Klaviyo, answer.
        app.MapPost("/orders/{id}", (string id, Analytics analytics) =>
        {
            analytics.Track($"customer-{id}", "Placed Order", new Dictionary<string, object?> { ["order_id"] = id, ["$value"] = 10 }, new MessageOptions { MessageId = $"order-{id}" });
            return Microsoft.AspNetCore.Http.Results.Ok();
        });
        return app;
    }

    public static HttpClient Client(WebApplication app) => new() { BaseAddress = new Uri(app.Urls.First()) };
}
