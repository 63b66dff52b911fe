namespace Klaviyo.Destinations.Mapping;

/// <summary>Maps a <c>[KlaviyoProfile]</c> type to Klaviyo profile attributes. Implemented by the source generator.</summary>
/// <typeparam name="T">The annotated type.</typeparam>
[System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
public interface IKlaviyoProfileMapper<in T>
{
    /// <summary>Writes <paramref name="value"/>'s traits to <paramref name="writer"/> (between Start and Finish).</summary>
    void Map(T value, ProfileWriter writer);
}
