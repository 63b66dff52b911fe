using Microsoft.Extensions.Logging;

namespace Klaviyo.Destinations;

/// <summary>
/// Reports each final outcome once: metrics, log, then the user's callback (whose exceptions are contained). Batches
/// finish on several threads; the callback is never called concurrently.
/// </summary>
internal sealed class OutcomeReporter(Action<DeliveryOutcome>? callback, ILogger logger, KlaviyoMetrics metrics)
{
    private readonly Lock _callbackGate = new();

    public void Report(DeliveryOutcome outcome)
    {
        metrics.Outcome(outcome);
        switch (outcome.Status)
        {
            case DeliveryStatus.Delivered:
                if (outcome.Warnings.Count > 0 && logger.IsEnabled(LogLevel.Warning))
                    Log.DeliveredWithWarnings(logger, outcome.Kind, outcome.MessageId, string.Join(" ", outcome.Warnings.Select(w => w.Reason)));
                else
                    Log.Delivered(logger, outcome.Kind, outcome.UniqueId, outcome.MessageId);
                break;
            case DeliveryStatus.Rejected when outcome.Field is null: Log.RejectedWithoutField(logger, outcome.Kind, outcome.MessageId, outcome.Reason); break;
            case DeliveryStatus.Rejected: Log.Rejected(logger, outcome.Kind, outcome.MessageId, outcome.Field, outcome.Reason); break;
            case DeliveryStatus.Expired: Log.Expired(logger, outcome.Kind, outcome.MessageId, outcome.Reason); break;
            case DeliveryStatus.Skipped: Log.Skipped(logger, outcome.MessageId, outcome.Reason); break;
        }
        if (callback is null) return;
        try
        {
            lock (_callbackGate) callback(outcome);
        }
        catch (Exception ex)
        {
            Log.CallbackFailed(logger, ex, outcome.MessageId);
        }
    }
}
