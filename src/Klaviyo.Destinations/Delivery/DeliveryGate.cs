using Microsoft.Extensions.Logging;

namespace Klaviyo.Destinations;

/// <summary>
/// One invariant: while Klaviyo refuses the key or is down as a whole, no batch is sent; a probe (one cheap request) on
/// a schedule that slows down to <see cref="KlaviyoDestinationOptions.PausedProbeInterval"/> decides when delivery resumes. A data problem of one item never pauses delivery: only 401/403, and
/// <see cref="OutageThreshold"/> endpoint-wide failures (no answer or 5xx) in a row without any success in between.
/// Without a probe (a user-supplied sender) the gate never closes.
/// </summary>
internal sealed class DeliveryGate : IAsyncDisposable
{
    /// <summary>Endpoint-wide failures in a row that mean Klaviyo is down rather than one request being unlucky.</summary>
    public const int OutageThreshold = 3;

    private readonly Func<CancellationToken, Task<ApiAnswer>>? _probe;
    private readonly TimeSpan _interval;
    private readonly TimeSpan _firstProbe;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private TaskCompletionSource _running = NewSignal(completed: true);
    private TaskCompletionSource _refused = NewSignal(completed: false);
    private DeliveryState _state;
    private int _failuresInARow;
    private Task? _probing;

    /// <param name="probe">One cheap request to Klaviyo; null for a user-supplied sender (the gate never closes).</param>
    /// <param name="firstProbe">The first probe's delay; it doubles up to <paramref name="interval"/>, so a blip ends fast and a long outage is asked about rarely.</param>
    /// <param name="interval">The slowest probe schedule (<see cref="KlaviyoDestinationOptions.PausedProbeInterval"/>).</param>
    /// <param name="time">The clock of the probe schedule and of <see cref="PausedSince"/>.</param>
    /// <param name="logger">Where pauses and resumptions are logged.</param>
    public DeliveryGate(Func<CancellationToken, Task<ApiAnswer>>? probe, TimeSpan firstProbe, TimeSpan interval, TimeProvider time, ILogger logger)
    {
        _probe = probe;
        _interval = interval;
        _firstProbe = firstProbe < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : firstProbe > interval ? interval : firstProbe;
        _time = time;
        _logger = logger;
    }

    public DeliveryState State
    {
        get { lock (_lock) return _state; }
    }

    /// <summary>Why delivery is paused (Klaviyo's answer), when it is.</summary>
    public string? Reason { get; private set; }

    /// <summary>When the current pause began.</summary>
    public DateTimeOffset? PausedSince { get; private set; }

    /// <summary>Pauses so far (metric and health).</summary>
    public long Pauses => Interlocked.Read(ref _pauses);

    private long _pauses;

    /// <summary>Completes at once while running; otherwise when a probe finds Klaviyo answering again.</summary>
    public Task WhenRunningAsync(CancellationToken cancellationToken)
    {
        Task running;
        lock (_lock) running = _running.Task;
        return running.IsCompleted ? Task.CompletedTask : running.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Completes when Klaviyo refuses the key (at once if it does): <c>FlushAsync</c> returns then, since a key is not
    /// fixed by waiting. During an outage it keeps waiting (bounded by its token, or <c>ShutdownTimeout</c> at disposal).
    /// </summary>
    public Task WhenCredentialsRefused
    {
        get { lock (_lock) return _refused.Task; }
    }

    /// <summary>
    /// Records how a request ended; returns the state afterwards. <paramref name="status"/> is the HTTP status (0 for no
    /// answer). 401/403 pause at once; no answer and 5xx count towards an outage; anything else proves Klaviyo answers.
    /// </summary>
    public DeliveryState Observe(int status, string? reason)
    {
        if (_probe is null) return DeliveryState.Running;
        lock (_lock)
        {
            if (status is 401 or 403) return Pause(DeliveryState.CredentialsRefused, reason);
            if (status is 0 or >= 500)
            {
                if (_state != DeliveryState.Running) return _state;
                return ++_failuresInARow >= OutageThreshold ? Pause(DeliveryState.KlaviyoUnavailable, reason) : _state;
            }
            _failuresInARow = 0;
            return _state;
        }
    }

    /// <summary>Pauses for a refused key found by the startup check.</summary>
    public void CredentialsRefused(string reason)
    {
        if (_probe is null) return;
        lock (_lock) Pause(DeliveryState.CredentialsRefused, reason);
    }

    private DeliveryState Pause(DeliveryState state, string? reason)
    {
        var was = _state;
        _state = state;
        Reason = reason;
        if (was == DeliveryState.Running)
        {
            PausedSince = _time.GetUtcNow();
            Interlocked.Increment(ref _pauses);
            _running = NewSignal(completed: false);
            _probing ??= Task.Run(ProbeLoopAsync);
        }
        if (state == DeliveryState.CredentialsRefused) _refused.TrySetResult();
        if (was != state) DeliveryLog.Paused(_logger, state, _interval, reason);
        return state;
    }

    private async Task ProbeLoopAsync()
    {
        var token = _stop.Token;
        var delay = _firstProbe;
        try
        {
            while (true)
            {
                await Task.Delay(delay, _time, token).ConfigureAwait(false);
                delay = delay * 2 < _interval ? delay * 2 : _interval;
                ApiAnswer answer;
                try
                {
                    answer = await _probe!(token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    answer = new ApiAnswer(0, null, [], null, ex.Message);
                }
                TaskCompletionSource? resume = null;
                lock (_lock)
                {
                    if (answer.Status is 401 or 403)
                    {
                        Pause(DeliveryState.CredentialsRefused, answer.Describe(null));
                        continue;
                    }
                    if (answer.Status is 0 or >= 500)
                    {
                        Pause(_state, answer.Describe(null));
                        continue;
                    }
                    DeliveryLog.Resumed(_logger, _state, _time.GetUtcNow() - (PausedSince ?? _time.GetUtcNow()));
                    _state = DeliveryState.Running;
                    _failuresInARow = 0;
                    Reason = null;
                    PausedSince = null;
                    resume = _running;
                    if (_refused.Task.IsCompleted) _refused = NewSignal(completed: false);
                    _probing = null;
                }
                resume.TrySetResult();
                return;
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
    }

    private static TaskCompletionSource NewSignal(bool completed)
    {
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (completed) signal.SetResult();
        return signal;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        Task? probing;
        lock (_lock) probing = _probing;
        if (probing is not null) await probing.ConfigureAwait(false);
        _stop.Dispose();
    }
}
