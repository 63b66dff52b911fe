using Klaviyo.Destinations;

namespace Klaviyo.Destinations.ModelShapes;

/// <summary>Dictionaries with string keys and scalar values become JSON objects (keys are data: never respelled).</summary>
[KlaviyoProfile]
public sealed record Gamer(string Email, [CustomProperty] Dictionary<string, int> Scores, [CustomProperty] IReadOnlyDictionary<string, string>? Labels);
