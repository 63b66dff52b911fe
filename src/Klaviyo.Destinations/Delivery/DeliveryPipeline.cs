using Microsoft.Extensions.Logging;

namespace Klaviyo.Destinations;

/// <summary>
/// The background side: takes items from the queue in order, sends them, retries what Klaviyo asks to retry
/// (429, 5xx, timeouts) with jittered exponential backoff honouring Retry-After, and reports one outcome per item.
/// One worker keeps each person's items in order.
/// </summary>
internal sealed class DeliveryPipeline : IAsyncDisposable
{
    private readonly IEventQueue _queue;
    private readonly IKlaviyoSender _sender;
    private readonly OutcomeReporter _reporter;
    private readonly FlushTracker _tracker;
    private readonly KlaviyoDestinationOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly KlaviyoMetrics _metrics;
    private readonly CancellationTokenSource _stop = new();
    private Task? _worker;

    public DeliveryPipeline(IEventQueue queue, IKlaviyoSender sender, OutcomeReporter reporter, FlushTracker tracker,
        KlaviyoDestinationOptions options, TimeProvider time, ILogger logger, KlaviyoMetrics metrics)
    {
        _queue = queue;
        _sender = sender;
        _reporter = reporter;
        _tracker = tracker;
        _options = options;
        _time = time;
        _logger = logger;
        _metrics = metrics;
    }

    public void Start() => _worker ??= Task.Run(RunAsync);

    private async Task RunAsync()
    {
        var token = _stop.Token;
        try
        {
            while (await _queue.WaitToReadAsync(token).ConfigureAwait(false))
            {
                while (_queue.TryDequeue(out var item))
                {
                    await DeliverAsync(item, token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
    }

    private async Task DeliverAsync(QueuedItem item, CancellationToken token)
    {
        DeliveryOutcome? outcome = null;
        try
        {
            while (true)
            {
                item.Attempts++;
                var result = await _sender.SendAsync(item, token).ConfigureAwait(false);
                if (result.Status == SendStatus.Delivered)
                {
                    outcome = Outcome(item, DeliveryStatus.Delivered, null, null);
                    break;
                }
                if (result.Status == SendStatus.Rejected)
                {
                    outcome = Outcome(item, DeliveryStatus.Rejected, result.Reason, result.Field);
                    break;
                }
                var age = _time.GetUtcNow() - item.AcceptedAt;
                if (item.Attempts >= _options.MaxAttempts || age >= _options.MaxItemAge)
                {
                    outcome = Outcome(item, DeliveryStatus.Expired, $"Gave up after {item.Attempts} attempts over {age.TotalSeconds:0.#} s; last answer: {result.Reason}", result.Field);
                    break;
                }
                var delay = RetryDelay(item.Attempts, result.RetryAfter);
                _metrics.Retry();
                Log.Retrying(_logger, item, delay, item.Attempts, result.Reason);
                await Task.Delay(delay, _time, token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            outcome = Outcome(item, DeliveryStatus.Expired, "Analytics was disposed before this item could be delivered (see ShutdownTimeout).", null);
            throw;
        }
        finally
        {
            if (outcome is not null) _reporter.Report(outcome);
            await _queue.CompleteAsync(item, CancellationToken.None).ConfigureAwait(false);
            _tracker.Close(item.Ticket);
        }
    }

    /// <summary>Full-jitter exponential backoff, at least what Klaviyo asked for.</summary>
    internal TimeSpan RetryDelay(int attempt, TimeSpan? retryAfter)
    {
        var ceiling = Math.Min(_options.MaxRetryDelay.TotalMilliseconds, _options.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30)));
        var jittered = TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * ceiling);
        return retryAfter is { } asked && asked > jittered ? asked : jittered;
    }

    private static DeliveryOutcome Outcome(QueuedItem item, DeliveryStatus status, string? reason, string? field) =>
        new(item.MessageId, item.Kind, status, reason, field, item.UniqueId, item.UserId, item.Warnings);

    /// <summary>Stops the worker; items still queued are reported as expired (the in-memory queue cannot keep them).</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Close();
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_worker is not null)
        {
            try { await _worker.ConfigureAwait(false); }
            catch (OperationCanceledException) { }
        }
        while (_queue.TryDequeue(out var left))
        {
            _reporter.Report(Outcome(left, DeliveryStatus.Expired, "Analytics was disposed before this item could be delivered (see ShutdownTimeout).", null));
            _tracker.Close(left.Ticket);
        }
        _stop.Dispose();
    }
}
