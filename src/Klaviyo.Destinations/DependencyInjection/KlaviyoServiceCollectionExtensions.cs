using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Klaviyo.Destinations;

/// <summary>Registers <see cref="Analytics"/> and its Klaviyo destination in a service collection.</summary>
public static class KlaviyoServiceCollectionExtensions
{
    /// <summary>
    /// The name of the <see cref="HttpClient"/> used for Klaviyo (configure it with <c>AddHttpClient(name)</c>). Its
    /// connections are recycled every 2 minutes (DNS changes are seen); a resilience handler added to every client is
    /// kept from multiplying our attempts (see README, "Resilience handlers").
    /// </summary>
    public const string HttpClientName = "Klaviyo.Destinations";

    /// <summary>
    /// Registers a singleton <see cref="Analytics"/> bound to <paramref name="configuration"/> (e.g. the <c>Klaviyo</c>
    /// section: <c>ApiKey</c>, <c>BaseUrl</c>, <c>DefaultListId</c>, …) and a hosted service that opens the queue and
    /// starts delivery when the host starts. The settings are validated at host start (every problem at once, each with
    /// its fix). Binding uses the configuration binding source generator: it works trimmed and with Native AOT.
    /// </summary>
    public static IServiceCollection AddKlaviyoDestinations(this IServiceCollection services, IConfiguration configuration, Action<KlaviyoDestinationOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<KlaviyoDestinationOptions>().Bind(configuration);
        return services.AddKlaviyoDestinations(configure ?? (_ => { }));
    }

    /// <summary>Registers a singleton <see cref="Analytics"/> configured in code, and the hosted service (see the other overload).</summary>
    public static IServiceCollection AddKlaviyoDestinations(this IServiceCollection services, Action<KlaviyoDestinationOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<KlaviyoDestinationOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KlaviyoDestinationOptions>, KlaviyoOptionsValidator>());
        if (!services.Any(d => d.ServiceType == typeof(KlaviyoPipelineMonitor)))
        {
            services.AddSingleton<KlaviyoPipelineMonitor>();
            // HttpClientFactory logs request headers at Trace: the key is added after that (ApiKeyHandler), and redacted if present.
            services.AddHttpClient(HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
                .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) })
                .RedactLoggedHeaders(SecretHeaders.IsSecret);
            services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Http.IHttpMessageHandlerBuilderFilter, ApiKeyHandler.Filter>());
        }
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<KlaviyoDestinationOptions>>().Value;
            var http = sp.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientName);
            ApiKeyHandler.Mark(http);
            var analytics = new Analytics(options, http, sp.GetService<ILoggerFactory>(), sp.GetRequiredService<TimeProvider>(), sp.GetService<IEventQueue>(),
                sender: null, meterFactory: sp.GetService<IMeterFactory>());
            // A key changed in configuration while the app runs (reloadOnChange, a secret store's refresh) is used at once.
            analytics.Destination.ConfigurationWatch = sp.GetRequiredService<IOptionsMonitor<KlaviyoDestinationOptions>>().OnChange((changed, name) =>
            {
                if (name is null || name == Options.DefaultName) analytics.Destination.UseKey(changed.ApiKey);
            });
            return analytics;
        });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, KlaviyoHostedService>());
        return services;
    }
}
