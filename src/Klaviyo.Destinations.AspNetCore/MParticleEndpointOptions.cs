using Klaviyo.Destinations.MParticle;

namespace Klaviyo.Destinations.AspNetCore;

/// <summary>
/// Settings of the mParticle endpoint (<see cref="MParticleEndpointExtensions.MapMParticleBatches"/>). They mirror the
/// Configuration Settings of mParticle's Webhook output: <b>POST URL</b> is the address you map the endpoint at,
/// <b>Authorization Header</b> is <see cref="AuthorizationHeader"/>.
/// </summary>
public sealed class MParticleEndpointOptions
{
    /// <summary>The largest body read by default: 16 MB.</summary>
    public const long DefaultMaxRequestBodyBytes = 16 * 1024 * 1024;

    /// <summary>
    /// The exact value of the <c>Authorization</c> header mParticle sends: what you entered as the Webhook output's
    /// "Authorization Header" setting, e.g. <c>Basic &lt;base64 of user:password&gt;</c> or <c>Bearer &lt;a long random
    /// secret&gt;</c>. A request without it, or with another value, gets 401 and nothing is read. Compared in constant
    /// time; never logged, never shown by <see cref="ToString"/>. Required unless <see cref="AllowUnauthenticated"/>.
    /// </summary>
    public string? AuthorizationHeader { get; set; }

    /// <summary>
    /// True to accept requests without checking <c>Authorization</c> (only when something in front of the app already
    /// authenticates mParticle, such as a gateway). Default false: mapping the endpoint without
    /// <see cref="AuthorizationHeader"/> fails at startup.
    /// </summary>
    public bool AllowUnauthenticated { get; set; }

    /// <summary>
    /// The largest request body read (default <see cref="DefaultMaxRequestBodyBytes"/>); a larger one gets 413 and
    /// nothing of it is sent. Batches are read one at a time, so memory is bounded by the largest batch, not the body.
    /// </summary>
    public long MaxRequestBodyBytes { get; set; } = DefaultMaxRequestBodyBytes;

    /// <summary>Which mParticle environments are sent to Klaviyo (default both); see <see cref="MParticleReadOptions.Environments"/>.</summary>
    public MParticleEnvironments Environments { get; set; } = MParticleEnvironments.All;

    /// <summary>Send events with Klaviyo's backfill flag (recorded without triggering flows).</summary>
    public bool Backfill { get; set; }

    /// <inheritdoc />
    public override string ToString() =>
        $"MParticleEndpointOptions {{ AuthorizationHeader = {(string.IsNullOrEmpty(AuthorizationHeader) ? "(none)" : "(set)")}, AllowUnauthenticated = {AllowUnauthenticated}, " +
        $"MaxRequestBodyBytes = {MaxRequestBodyBytes}, Environments = {Environments}, Backfill = {Backfill} }}";

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(AuthorizationHeader) && !AllowUnauthenticated)
            throw new KlaviyoConfigurationException(
                "MapMParticleBatches needs MParticleEndpointOptions.AuthorizationHeader: set it to the value of the 'Authorization Header' setting of your mParticle Webhook output " +
                "(e.g. \"Bearer <a long random secret>\", read from configuration or a secret store), or set AllowUnauthenticated = true if a gateway in front of the app authenticates mParticle.");
        if (MaxRequestBodyBytes < 1024)
            throw new KlaviyoConfigurationException($"MParticleEndpointOptions.MaxRequestBodyBytes is {MaxRequestBodyBytes}; it must be at least 1024 (default {DefaultMaxRequestBodyBytes}).");
    }
}
