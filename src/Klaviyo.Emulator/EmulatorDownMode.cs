namespace Klaviyo.Emulator;

/// <summary>How requests are answered while the emulator is "down".</summary>
public enum EmulatorDownMode
{
    /// <summary>503 with a JSON:API error body and <c>Retry-After</c> set to the remaining downtime.</summary>
    ServiceUnavailable,

    /// <summary>The connection is aborted (the client sees a reset / IOException).</summary>
    ConnectionReset,
}
