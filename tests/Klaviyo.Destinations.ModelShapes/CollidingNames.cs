using Klaviyo.Destinations;

namespace Klaviyo.Destinations.ModelShapes;

/// <summary>A nested <c>Outer.Customer</c> next to a top-level <c>Outer_Customer</c>: their mappers once had one name (CS0101).</summary>
public static class Outer
{
    /// <summary>The nested one.</summary>
    [KlaviyoProfile]
    public sealed record Customer(string Email, [CustomProperty] string Source);
}

/// <summary>The top-level one.</summary>
[KlaviyoProfile]
public sealed record Outer_Customer(string Email, [CustomProperty] string Source);
