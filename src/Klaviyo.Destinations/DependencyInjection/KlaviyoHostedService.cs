using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Klaviyo.Destinations;

/// <summary>
/// Registered by <c>AddKlaviyoDestinations</c>: at host start it creates <see cref="Analytics"/> (so the queue opens and
/// a bad queue path fails the start, with the fix), which starts delivering what an earlier run left without waiting
/// for traffic, and checks the key in the background (<see cref="KlaviyoDestinationOptions.CheckKeyAtStartup"/>). At
/// host stop it delivers what is queued, up to <see cref="KlaviyoDestinationOptions.ShutdownTimeout"/>; a durable queue
/// keeps the rest for the next run.
/// </summary>
internal sealed class KlaviyoHostedService(IServiceProvider services) : IHostedService
{
    private readonly CancellationTokenSource _stopping = new();
    private Task? _keyCheck;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var analytics = services.GetRequiredService<Analytics>();
        var options = services.GetRequiredService<IOptions<KlaviyoDestinationOptions>>().Value;
        if (options.CheckKeyAtStartup && analytics.Destination.Transport is { } transport)
        {
            var logger = Logger();
            _keyCheck = Task.Run(async () =>
            {
                try
                {
                    await KeyCheck.RunAsync(transport, analytics.Destination.Gate, logger, _stopping.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
                {
                }
            }, CancellationToken.None);
        }
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_keyCheck is not null) await _keyCheck.ConfigureAwait(false);
        var analytics = services.GetRequiredService<Analytics>();
        var options = services.GetRequiredService<IOptions<KlaviyoDestinationOptions>>().Value;
        DeliveryLog.Draining(Logger(), options.ShutdownTimeout);
        using var drain = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        drain.CancelAfter(options.ShutdownTimeout);
        try
        {
            // What is accepted later (other services still stopping) is drained when the container disposes Analytics.
            await analytics.FlushAsync(drain.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (drain.IsCancellationRequested)
        {
        }
        _stopping.Dispose();
    }

    private ILogger Logger() => (services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance).CreateLogger("Klaviyo.Destinations");
}
