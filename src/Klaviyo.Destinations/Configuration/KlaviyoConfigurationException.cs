namespace Klaviyo.Destinations;

/// <summary>Thrown at startup when the Klaviyo settings are wrong; the message says how to fix them.</summary>
public sealed class KlaviyoConfigurationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public KlaviyoConfigurationException(string message) : base(message) { }
}
