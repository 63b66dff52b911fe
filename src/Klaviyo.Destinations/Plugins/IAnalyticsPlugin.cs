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

    /// <summary>
    /// Processes <paramref name="message"/> like <see cref="IAnalyticsPlugin.Execute"/> and completes when the destination
    /// holds it safely (for a durable queue: on disk). True when every part was accepted and kept; false when a part was
    /// rejected or refused. What the <c>…Async</c> calls of <see cref="Analytics"/> wait for. By default: runs
    /// <see cref="IAnalyticsPlugin.Execute"/> and answers true.
    /// </summary>
    ValueTask<bool> ExecuteDurablyAsync(AnalyticsMessage message, CancellationToken cancellationToken)
    {
        Execute(message);
        return ValueTask.FromResult(true);
    }
}
