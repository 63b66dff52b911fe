namespace Klaviyo.Destinations;

/// <summary>Where accepted items wait for delivery (<see cref="KlaviyoDestinationOptions.QueueStorage"/>).</summary>
public enum QueueStorage
{
    /// <summary>
    /// The default: an embedded SQLite queue on disk (<see cref="SqliteEventQueue"/>), at
    /// <see cref="KlaviyoDestinationOptions.QueuePath"/> or, when that is not set, at a default location per app and
    /// account. Accepted items survive crashes and restarts.
    /// </summary>
    Disk,

    /// <summary>A bounded in-memory queue: fast, for tests and ephemeral hosts; items not yet delivered are lost with the process.</summary>
    Memory,

    /// <summary>
    /// A durable queue on Redis Streams shared by every replica (package <c>Klaviyo.Destinations.Redis</c>: call
    /// <c>services.AddKlaviyoRedis(...)</c>, which provides it). See <c>docs/scale-out.md</c>.
    /// </summary>
    Redis,
}
