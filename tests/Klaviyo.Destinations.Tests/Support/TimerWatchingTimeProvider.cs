using Microsoft.Extensions.Time.Testing;

namespace Klaviyo.Destinations.Tests.Support;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that also tells when a timer is armed, so a test can advance the clock only
/// after the sender has scheduled its next flush (no sleeps, no races).
/// </summary>
internal sealed class TimerWatchingTimeProvider(FakeTimeProvider clock) : TimeProvider
{
    private readonly object _gate = new();
    private readonly List<(TimeSpan Due, TaskCompletionSource Done)> _waiters = [];

    public FakeTimeProvider Clock { get; } = clock;

    public override DateTimeOffset GetUtcNow() => Clock.GetUtcNow();

    public override long GetTimestamp() => Clock.GetTimestamp();

    public override long TimestampFrequency => Clock.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => Clock.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        // Tell the waiters only once the fake clock holds the timer: told earlier, a test could advance the clock
        // before the timer exists, and the timer would then be due a whole period after the advance.
        var timer = new WatchedTimer(this, Clock.CreateTimer(callback, state, dueTime, period));
        Armed(dueTime);
        return timer;
    }

    /// <summary>Completes when a timer is armed with a due time of at least <paramref name="minimum"/>.</summary>
    public Task WhenArmedAsync(TimeSpan minimum)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate) _waiters.Add((minimum, done));
        return done.Task.WaitAsync(TimeSpan.FromSeconds(20));
    }

    private void Armed(TimeSpan due)
    {
        if (due == Timeout.InfiniteTimeSpan) return;
        lock (_gate)
        {
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (due < _waiters[i].Due) continue;
                _waiters[i].Done.TrySetResult();
                _waiters.RemoveAt(i);
            }
        }
    }

    private sealed class WatchedTimer(TimerWatchingTimeProvider owner, ITimer inner) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            var changed = inner.Change(dueTime, period);
            owner.Armed(dueTime);
            return changed;
        }

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
