namespace Klaviyo.Destinations;

/// <summary>A step of the plugin timeline. Runs on the caller's thread: keep it fast and never block on I/O.</summary>
public interface IAnalyticsPlugin
{
    /// <summary>Where the plugin runs.</summary>
    PluginType Type { get; }

    /// <summary>Processes <paramref name="message"/>; return it (changed or not) to continue, or null to drop it.</summary>
    AnalyticsMessage? Execute(AnalyticsMessage message);
}

/// <summary>A destination plugin that delivers asynchronously and can be flushed and shut down.</summary>
public interface IDestinationPlugin : IAnalyticsPlugin, IAsyncDisposable
{
    /// <summary>Completes when everything handed to the destination before the call has a final outcome.</summary>
    Task FlushAsync(CancellationToken cancellationToken);
}
