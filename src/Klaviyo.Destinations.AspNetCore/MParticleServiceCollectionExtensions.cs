using Microsoft.Extensions.DependencyInjection;

namespace Klaviyo.Destinations.AspNetCore;

/// <summary>Registers what the mParticle endpoint needs besides <c>AddKlaviyoDestinations</c>.</summary>
public static class MParticleServiceCollectionExtensions
{
    /// <summary>
    /// Lets the endpoint mapped with <see cref="MParticleEndpointExtensions.MapMParticleBatches"/> answer each event the
    /// Klaviyo rules reject with the rules' own reason (e.g. "needs an email or a phone number"): wraps
    /// <see cref="KlaviyoDestinationOptions.OnOutcome"/> (your callback still gets every outcome). Call it with
    /// <c>AddKlaviyoDestinations</c>. Without it, such events are answered with their message id only.
    /// </summary>
    public static IServiceCollection AddMParticleBatches(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.ServiceType == typeof(MParticleOutcomeHook))) return services;
        services.AddSingleton<MParticleOutcomeHook>();
        services.PostConfigure<KlaviyoDestinationOptions>(options =>
        {
            var app = options.OnOutcome;
            options.OnOutcome = app is null
                ? MParticleOutcomeScope.Observe
                : outcome =>
                {
                    MParticleOutcomeScope.Observe(outcome);
                    app(outcome);
                };
        });
        return services;
    }
}
