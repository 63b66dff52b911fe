namespace Klaviyo.Destinations.Tests.Support;

/// <summary>
/// A clock that runs like the system's but reads <paramref name="shift"/> later: a host whose clock disagrees with
/// Klaviyo's. The mapper's event-time check then lets through an event Klaviyo (the emulator, on the real clock)
/// refuses, which is how the tests get a request Klaviyo rejects with a pointer.
/// </summary>
internal sealed class ShiftedTimeProvider(TimeSpan shift) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + shift;
}
