using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Klaviyo.Destinations;

/// <summary>Registers <see cref="Analytics"/> and its Klaviyo destination in a service collection.</summary>
public static class KlaviyoServiceCollectionExtensions
{
    /// <summary>The name of the <see cref="HttpClient"/> used for Klaviyo (configure it with <c>AddHttpClient(name)</c>).</summary>
    public const string HttpClientName = "Klaviyo.Destinations";

    /// <summary>
    /// Registers a singleton <see cref="Analytics"/> bound to <paramref name="configuration"/> (e.g. the <c>Klaviyo</c>
    /// section: <c>ApiKey</c>, <c>BaseUrl</c>, <c>DefaultListId</c>, …). The settings are validated when the client is
    /// first resolved (and at host start), failing with a message that says how to fix them.
    /// </summary>
    [RequiresUnreferencedCode("Binds options from configuration by reflection.")]
    [RequiresDynamicCode("Binds options from configuration by reflection.")]
    public static IServiceCollection AddKlaviyoDestinations(this IServiceCollection services, IConfiguration configuration, Action<KlaviyoDestinationOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<KlaviyoDestinationOptions>().Bind(configuration);
        return services.AddKlaviyoDestinations(configure ?? (_ => { }));
    }

    /// <summary>Registers a singleton <see cref="Analytics"/> configured in code.</summary>
    public static IServiceCollection AddKlaviyoDestinations(this IServiceCollection services, Action<KlaviyoDestinationOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<KlaviyoDestinationOptions>().Configure(configure).Validate(Validate).ValidateOnStart();
        // HttpClientFactory logs request headers at Trace: the key is added after that (ApiKeyHandler), and redacted if present.
        services.AddHttpClient(HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan).RedactLoggedHeaders(SecretHeaders.IsSecret);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Http.IHttpMessageHandlerBuilderFilter, ApiKeyHandler.Filter>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<KlaviyoDestinationOptions>>().Value;
            var http = sp.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientName);
            ApiKeyHandler.Mark(http);
            return new Analytics(options, http, sp.GetService<ILoggerFactory>(), sp.GetRequiredService<TimeProvider>(), sp.GetService<IEventQueue>());
        });
        return services;
    }

    private static bool Validate(KlaviyoDestinationOptions options)
    {
        // Throws KlaviyoConfigurationException with the fix; surfaced by ValidateOnStart or on first resolve.
        options.Validate();
        return true;
    }
}
