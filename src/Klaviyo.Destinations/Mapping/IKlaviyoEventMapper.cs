namespace Klaviyo.Destinations.Mapping;

/// <summary>Maps a <c>[KlaviyoEvent]</c> type to Klaviyo event attributes. Implemented by the source generator.</summary>
/// <typeparam name="T">The annotated type.</typeparam>
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
public interface IKlaviyoEventMapper<in T>
{
    /// <summary>The event name from <c>[KlaviyoEvent("…")]</c>.</summary>
    string EventName { get; }

    /// <summary>Writes <paramref name="value"/>'s properties and event fields to <paramref name="writer"/> (between Start and Finish).</summary>
    void Map(T value, EventWriter writer);
}
