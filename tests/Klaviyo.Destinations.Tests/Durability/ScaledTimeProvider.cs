using System.Diagnostics;

namespace Klaviyo.Destinations.Tests.Durability;

/// <summary>
/// Real time sped up <c>factor</c> times: now, timestamps and timers all run fast, so a test can live through a minute
/// of Klaviyo throttling or a 30 s outage in a second, with the client and the emulator on the same compressed clock.
/// </summary>
internal sealed class ScaledTimeProvider(double factor) : TimeProvider
{
    private readonly long _start = Stopwatch.GetTimestamp();
    private readonly DateTimeOffset _origin = DateTimeOffset.UtcNow;

    public override DateTimeOffset GetUtcNow() => _origin + TimeSpan.FromTicks((long)(Stopwatch.GetElapsedTime(_start).Ticks * factor));

    public override long GetTimestamp() => (long)((Stopwatch.GetTimestamp() - _start) * factor);

    public override long TimestampFrequency => Stopwatch.Frequency;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        new ScaledTimer(System.CreateTimer(callback, state, Scale(dueTime), Scale(period)), this);

    private TimeSpan Scale(TimeSpan span) => span == Timeout.InfiniteTimeSpan || span <= TimeSpan.Zero ? span : TimeSpan.FromTicks(Math.Max(1, (long)(span.Ticks / factor)));

    private sealed class ScaledTimer(ITimer inner, ScaledTimeProvider owner) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => inner.Change(owner.Scale(dueTime), owner.Scale(period));

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
