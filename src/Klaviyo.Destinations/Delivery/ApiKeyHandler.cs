using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http;

namespace Klaviyo.Destinations;

/// <summary>
/// Adds the private-key header at the last moment, inside HttpClientFactory's logging handlers. Those log every request
/// header at Trace, and their structured state holds the raw values (a sink that expands arrays, such as Serilog or
/// OpenTelemetry, would write the key), whatever <c>RedactLoggedHeaders</c> does to the message text. For the named
/// client of <c>AddKlaviyoDestinations</c>, the transport hands the key over in the request's options instead of its
/// headers, and this handler, wrapped around the primary handler, turns it into the header after logging.
/// </summary>
internal sealed class ApiKeyHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    public static readonly HttpRequestOptionsKey<AuthenticationHeaderValue> Authorization = new("Klaviyo.Destinations.Authorization");

    private static readonly ConditionalWeakTable<HttpClient, object> s_clients = new();

    /// <summary>Records that <paramref name="client"/> was built with this handler (the named client of the DI registration).</summary>
    public static void Mark(HttpClient client) => s_clients.AddOrUpdate(client, true);

    /// <summary>Whether requests sent on <paramref name="client"/> get the key from this handler.</summary>
    public static bool AddsKey(HttpClient client) => s_clients.TryGetValue(client, out _);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Options.TryGetValue(Authorization, out var authorization)) request.Headers.Authorization = authorization;
        return base.SendAsync(request, cancellationToken);
    }

    /// <summary>
    /// Wraps the named client's primary handler after every other configuration (a user's primary handler included),
    /// and adds <see cref="KlaviyoAttemptHandler"/> as the innermost delegating handler, inside any resilience or
    /// hedging handler the app added (before or after <c>AddKlaviyoDestinations</c>).
    /// </summary>
    internal sealed class Filter : IHttpMessageHandlerBuilderFilter
    {
        public Action<HttpMessageHandlerBuilder> Configure(Action<HttpMessageHandlerBuilder> next) => builder =>
        {
            next(builder);
            if (builder.Name != KlaviyoServiceCollectionExtensions.HttpClientName) return;
            var services = builder.Services;
            builder.AdditionalHandlers.Add(new KlaviyoAttemptHandler(services.GetRequiredService<KlaviyoPipelineMonitor>(), services.GetService<TimeProvider>() ?? TimeProvider.System));
            builder.PrimaryHandler = new ApiKeyHandler(builder.PrimaryHandler);
        };
    }
}
