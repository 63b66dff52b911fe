using Microsoft.Extensions.Logging;

namespace Klaviyo.Destinations;

/// <summary>
/// One invariant: while Klaviyo refuses the key or is down as a whole, no batch is sent; a probe (one cheap request) on
/// a schedule that slows down to <see cref="KlaviyoDestinationOptions.PausedProbeInterval"/> decides when delivery resumes. A data problem of one item never pauses delivery: only 401/403, and
/// <see cref="OutageThreshold"/> endpoint-wide failures (no answer or 5xx) in a row without any success in between.
/// Without a probe (a user-supplied <see cref="IKlaviyoSender"/>) the sender's own answers pause the gate alike, and
/// the probe is a trial: on the same schedule one waiting batch is let through (<see cref="MaySend"/>); its success
/// resumes delivery, its failure keeps the pause (its attempt does not count).
/// A key changed in configuration at runtime (<see cref="Recheck"/>) is tried at once instead of at the next probe.
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
    private TaskCompletionSource _trial = NewSignal(completed: false);
    private CancellationTokenSource? _nap;
    private bool _recheck;

    /// <param name="probe">One cheap request to Klaviyo; null for a user-supplied sender (a waiting batch is the probe).</param>
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

    /// <summary>
    /// Completes at once while running; otherwise when a probe finds Klaviyo answering again, or (without a probe) when a
    /// trial batch may go: call <see cref="MaySend"/> then, which lets one caller through per trial.
    /// </summary>
    public Task WhenRunningAsync(CancellationToken cancellationToken)
    {
        Task running, trial;
        lock (_lock)
        {
            running = _running.Task;
            trial = _trial.Task;
        }
        if (running.IsCompleted) return Task.CompletedTask;
        return (_probe is null ? Task.WhenAny(running, trial) : running).WaitAsync(cancellationToken);
    }

    /// <summary>True while running; while paused without a probe, true for the one caller that takes the open trial.</summary>
    public bool MaySend()
    {
        lock (_lock)
        {
            if (_state == DeliveryState.Running) return true;
            if (_probe is not null || !_trial.Task.IsCompleted) return false;
            _trial = NewSignal(completed: false);
            return true;
        }
    }

    /// <summary>
    /// The key changed (configuration reloaded at runtime): while paused, Klaviyo is asked again at once (and the probe
    /// schedule starts over) instead of at the next slow probe.
    /// </summary>
    public void Recheck()
    {
        CancellationTokenSource? nap;
        lock (_lock)
        {
            if (_state == DeliveryState.Running) return;
            _recheck = true;
            nap = _nap;
        }
        try
        {
            nap?.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
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
        TaskCompletionSource? resume = null;
        DeliveryState state;
        lock (_lock)
        {
            if (status is 401 or 403) return Pause(DeliveryState.CredentialsRefused, reason);
            if (status is 0 or >= 500)
            {
                if (_state != DeliveryState.Running) return _state;
                return ++_failuresInARow >= OutageThreshold ? Pause(DeliveryState.KlaviyoUnavailable, reason) : _state;
            }
            _failuresInARow = 0;
            // Without a probe, a trial batch that went through is what proves the sender works again.
            if (_probe is null && _state != DeliveryState.Running) resume = Resume();
            state = _state;
        }
        resume?.TrySetResult();
        return state;
    }

    /// <summary>Back to running (under the lock); the caller completes the returned signal outside it.</summary>
    private TaskCompletionSource Resume()
    {
        DeliveryLog.Resumed(_logger, _state, _time.GetUtcNow() - (PausedSince ?? _time.GetUtcNow()));
        _state = DeliveryState.Running;
        _failuresInARow = 0;
        Reason = null;
        PausedSince = null;
        if (_refused.Task.IsCompleted) _refused = NewSignal(completed: false);
        return _running;
    }

    /// <summary>Pauses for a refused key found by the startup check.</summary>
    public void CredentialsRefused(string reason)
    {
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
            _trial = NewSignal(completed: false);
            // Not in the flow of the request that paused (its trace, its producers' links).
            _probing ??= KlaviyoTelemetry.RunDetached(ProbeLoopAsync);
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
                if (await NapAsync(delay, token).ConfigureAwait(false)) delay = _firstProbe;   // the key changed: ask now, then start over
                delay = delay * 2 < _interval ? delay * 2 : _interval;
                if (_probe is null)
                {
                    lock (_lock)
                    {
                        if (_state == DeliveryState.Running)
                        {
                            _probing = null;
                            return;
                        }
                        _trial.TrySetResult();   // one waiting batch may go (MaySend)
                    }
                    continue;
                }
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
                    resume = Resume();
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

    /// <summary>Waits <paramref name="delay"/>; true when <see cref="Recheck"/> cut it short.</summary>
    private async Task<bool> NapAsync(TimeSpan delay, CancellationToken token)
    {
        using var nap = CancellationTokenSource.CreateLinkedTokenSource(token);
        lock (_lock)
        {
            if (_recheck)
            {
                _recheck = false;
                return true;
            }
            _nap = nap;
        }
        try
        {
            await Task.Delay(delay, _time, nap.Token).ConfigureAwait(false);
            return false;
        }
        catch (OperationCanceledException) when (!token.IsCancellationRequested)
        {
            return true;
        }
        finally
        {
            lock (_lock)
            {
                _nap = null;
                _recheck = false;
            }
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
