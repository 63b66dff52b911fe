namespace Klaviyo.Destinations;

/// <summary>What the generator does with a member that maps to no Klaviyo field and is not marked.</summary>
public enum UnmappedTraitHandling
{
    /// <summary>Send it as a custom property under its name and warn (KLV2001). The default.</summary>
    SendAsCustomProperty = 0,
    /// <summary>Send it as a custom property and report KLV2001 as an error, so the build fails.</summary>
    Error = 1,
    /// <summary>Do not send it; KLV2001 still warns so the drop is visible.</summary>
    Drop = 2,
}
