namespace Klaviyo.Destinations.MParticle;

/// <summary>How <see cref="MParticleBatchReader"/> reads mParticle batches.</summary>
public sealed class MParticleReadOptions
{
    internal static MParticleReadOptions Default { get; } = new();

    /// <summary>Send the events with Klaviyo's backfill flag (recorded without triggering flows): for historical imports.</summary>
    public bool Backfill { get; init; }

    /// <summary>
    /// Which of mParticle's environments (the batch's <c>environment</c>: <c>production</c> or <c>development</c>) are
    /// forwarded; batches from the others are skipped (reported, not refused). Default: both, as mParticle forwards what
    /// the connection is set to send. Choose <see cref="MParticleEnvironments.Production"/> when development data reaches
    /// this endpoint but must not reach your Klaviyo account. A batch without <c>environment</c> is always read. The
    /// environment is also put in each message's context (<c>context["environment"]</c>) for plugins.
    /// </summary>
    public MParticleEnvironments Environments { get; init; } = MParticleEnvironments.All;

    internal bool Accepts(string environment) => environment switch
    {
        "production" => Environments.HasFlag(MParticleEnvironments.Production),
        "development" => Environments.HasFlag(MParticleEnvironments.Development),
        _ => false,
    };
}

/// <summary>mParticle's data environments (a batch's <c>environment</c>).</summary>
[Flags]
public enum MParticleEnvironments
{
    /// <summary>Neither: every batch that names its environment is skipped.</summary>
    None = 0,
    /// <summary><c>production</c>.</summary>
    Production = 1,
    /// <summary><c>development</c>.</summary>
    Development = 2,
    /// <summary>Both (the default).</summary>
    All = Production | Development,
}
