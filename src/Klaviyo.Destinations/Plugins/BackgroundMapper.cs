using System.Diagnostics;
using System.Threading.Channels;
using Klaviyo.Destinations.Rules;
using Microsoft.Extensions.Logging;

namespace Klaviyo.Destinations;

/// <summary>
/// <see cref="MappingThread.Background"/>: the caller hands a message over (a lock, a channel write) and one task maps
/// the messages in call order with the destination's usual accept step, so rejections keep their reasons. A message the
/// caller had to map itself (JSON payloads) travels the same channel already mapped, so its items are queued in call
/// order too. <see cref="WhenMappedSoFar"/> lets a flush wait for every message handed over before it.
/// </summary>
internal sealed class BackgroundMapper
{
    private readonly Channel<(AnalyticsMessage Message, MappingResult? Mapped, ActivityContext Producer)> _channel;
    private readonly Action<AnalyticsMessage, MappingResult?, ActivityContext> _accept;
    private readonly Action<AnalyticsMessage, string> _refuse;
    private readonly ILogger _logger;
    private readonly int _capacity;
    private readonly Lock _handOff = new();
    private readonly Lock _waitersGate = new();
    private readonly List<(long Target, TaskCompletionSource Done)> _waiters = new();
    private readonly Task _loop;
    private long _handedOff;
    private long _mapped;
    private int _waiterCount;
    private volatile bool _abandon;
    private volatile bool _completed;

    public BackgroundMapper(int capacity, Action<AnalyticsMessage, MappingResult?, ActivityContext> accept, Action<AnalyticsMessage, string> refuse, ILogger logger)
    {
        _capacity = capacity;
        _accept = accept;
        _refuse = refuse;
        _logger = logger;
        _channel = Channel.CreateBounded<(AnalyticsMessage, MappingResult?, ActivityContext)>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true, SingleWriter = false, FullMode = BoundedChannelFullMode.Wait,
        });
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Messages handed over and not yet mapped.</summary>
    public int Waiting => (int)Math.Max(0, Volatile.Read(ref _handedOff) - Volatile.Read(ref _mapped));

    /// <summary>
    /// Whether <paramref name="message"/> can wait to be mapped: its payload is not JSON whose document the caller may
    /// dispose or change once the call returns.
    /// </summary>
    public static bool CanDefer(AnalyticsMessage message) => message.Payload is not (JsonPayload or JsonNodePayload);

    /// <summary>
    /// Hands <paramref name="message"/> to the mapping task (with its <paramref name="mapped"/> result when the caller
    /// already mapped it); when that is not possible it is refused with a reason. The caller's trace context goes with it,
    /// so the delivery span links to the call, not to the mapping task.
    /// </summary>
    public void HandOver(AnalyticsMessage message, MappingResult? mapped)
    {
        lock (_handOff)
        {
            // Counted under the same lock as the write, so a flush's target is exactly the messages in the channel before it.
            if (_channel.Writer.TryWrite((message, mapped, KlaviyoTelemetry.CaptureProducer())))
            {
                _handedOff++;
                return;
            }
        }
        _refuse(message, _completed
            ? "Analytics is shutting down; the message was not accepted."
            : $"{_capacity:N0} messages are waiting to be mapped (MappingThread = Background); the message was refused. Raise QueueCapacity, or map on the caller's thread (MappingThread = Caller) so the callers pace themselves.");
    }

    /// <summary>Completes when every message handed over before this call has been mapped (its items queued or rejected).</summary>
    public Task WhenMappedSoFar(CancellationToken cancellationToken)
    {
        long target;
        lock (_handOff) target = _handedOff;
        TaskCompletionSource done;
        lock (_waitersGate)
        {
            if (Volatile.Read(ref _mapped) >= target) return Task.CompletedTask;
            done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((target, done));
            // A full fence on both sides (here and the mapper's Interlocked.Increment): either the mapper sees this
            // waiter, or this re-read sees the mapper's progress.
            Interlocked.Exchange(ref _waiterCount, _waiters.Count);
            if (Volatile.Read(ref _mapped) >= target)
            {
                _waiters.RemoveAt(_waiters.Count - 1);
                Interlocked.Exchange(ref _waiterCount, _waiters.Count);
                return Task.CompletedTask;
            }
        }
        return done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Accepts no more messages; those already handed over are still mapped.</summary>
    public void Complete()
    {
        _completed = true;
        _channel.Writer.TryComplete();
    }

    /// <summary>
    /// Stops the task. Messages still waiting (the shutdown timeout ran out before they were mapped) are refused with a
    /// reason instead of being mapped into a queue that is closing.
    /// </summary>
    public Task StopAsync()
    {
        _abandon = _completed = true;
        _channel.Writer.TryComplete();
        return _loop;
    }

    private async Task RunAsync()
    {
        var reader = _channel.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var next))
            {
                try
                {
                    if (_abandon) _refuse(next.Message, "Analytics shut down (ShutdownTimeout) before the message was mapped; it was not queued.");
                    else _accept(next.Message, next.Mapped, next.Producer);
                }
                catch (Exception ex)
                {
                    // As on the caller's thread (Analytics logs a plugin that throws): logged, and the next message goes on.
                    Log.PluginFailed(_logger, ex, next.Message);
                }
                Interlocked.Increment(ref _mapped);
                if (Volatile.Read(ref _waiterCount) > 0) ReleaseWaiters();
            }
        }
    }

    private void ReleaseWaiters()
    {
        List<TaskCompletionSource>? ready = null;
        lock (_waitersGate)
        {
            var mapped = Volatile.Read(ref _mapped);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Target > mapped) continue;
                (ready ??= new()).Add(_waiters[i].Done);
                _waiters.RemoveAt(i);
            }
            Volatile.Write(ref _waiterCount, _waiters.Count);
        }
        if (ready is not null) foreach (var done in ready) done.TrySetResult();
    }
}
