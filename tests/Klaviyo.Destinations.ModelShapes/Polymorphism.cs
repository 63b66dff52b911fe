using Klaviyo.Destinations;

namespace Klaviyo.Destinations.ModelShapes;

/// <summary>An annotated base type.</summary>
[KlaviyoProfile]
public class Person
{
    /// <summary>Identifies the person.</summary>
    public string? Email { get; set; }

    /// <summary>first_name.</summary>
    public string? FirstName { get; set; }
}

/// <summary>An annotated subclass: passed as <see cref="Person"/> or <c>object</c>, its own mapper still runs.</summary>
[KlaviyoProfile]
public sealed class Shopper : Person
{
    /// <summary>last_name: lost before issue 23 when the static type was the base.</summary>
    public string? LastName { get; set; }
}

/// <summary>A subclass that adds nothing sent: mapped by <see cref="Person"/>'s mapper, no KLV2010.</summary>
public sealed class Visitor : Person
{
    /// <summary>Not public state: nothing to lose.</summary>
    internal int Visits { get; set; }
}
