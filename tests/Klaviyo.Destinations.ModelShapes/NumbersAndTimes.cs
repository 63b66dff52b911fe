using System.Numerics;
using Klaviyo.Destinations;

namespace Klaviyo.Destinations.ModelShapes;

/// <summary>Numbers JSON has no word for, and times of day and durations.</summary>
[KlaviyoProfile]
public sealed record Account(
    string Email,
    [CustomProperty] BigInteger Balance,
    [CustomProperty] BigInteger Small,
    [CustomProperty] Int128 Counter,
    [CustomProperty] Half Ratio,
    [CustomProperty] TimeOnly OpensAt,
    [CustomProperty] TimeSpan? Tenure);
