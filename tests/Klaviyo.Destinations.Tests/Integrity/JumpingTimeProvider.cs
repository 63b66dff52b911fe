using System.Collections.Concurrent;

namespace Klaviyo.Destinations.Tests.Integrity;

/// <summary>
/// A clock on which every wait ends at once: arming a timer for <c>d</c> records <c>d</c>, moves the clock to the timer's
/// due time and fires it. A test sees every wait the code asked for (and the clock time it cost) without waiting.
/// </summary>
internal sealed class JumpingTimeProvider : TimeProvider
{
    private long _ticks = new DateTimeOffset(2026, 8, 3, 12, 0, 0, TimeSpan.Zero).UtcTicks;

    public ConcurrentQueue<TimeSpan> Waits { get; } = new();

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new JumpingTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    private void MoveTo(long ticks)
    {
        long current;
        while ((current = Interlocked.Read(ref _ticks)) < ticks && Interlocked.CompareExchange(ref _ticks, ticks, current) != current)
        {
        }
    }

    private sealed class JumpingTimer(JumpingTimeProvider clock, TimerCallback callback, object? state) : ITimer
    {
        private int _generation;

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            var generation = Interlocked.Increment(ref _generation);
            if (dueTime == Timeout.InfiniteTimeSpan) return true;
            clock.Waits.Enqueue(dueTime);
            var due = clock.GetUtcNow().UtcTicks + dueTime.Ticks;
            ThreadPool.QueueUserWorkItem(_ =>
            {
                if (Volatile.Read(ref _generation) != generation) return;
                clock.MoveTo(due);
                callback(state);
            });
            return true;
        }

        public void Dispose() => Interlocked.Increment(ref _generation);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
