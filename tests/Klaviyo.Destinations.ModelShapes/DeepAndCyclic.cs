using Klaviyo.Destinations;

namespace Klaviyo.Destinations.ModelShapes;

/// <summary>A node of a chain that may refer back to itself.</summary>
public sealed class Node
{
    /// <summary>A label.</summary>
    public string? Label { get; set; }

    /// <summary>The next node (a cycle when it points back).</summary>
    public Node? Next { get; set; }
}

/// <summary>A profile with a self-referencing member: that member is left out with a warning; the rest is sent.</summary>
[KlaviyoProfile]
public sealed class Referral
{
    /// <summary>email.</summary>
    public string? Email { get; set; }

    /// <summary>A custom property that is sent.</summary>
    [CustomProperty]
    public string? Campaign { get; set; }

    /// <summary>The chain of referrers.</summary>
    [CustomProperty]
    public Node? Chain { get; set; }
}
