namespace Klaviyo.Destinations.Tests.Durability;

/// <summary>A typed event for the abuse test.</summary>
[KlaviyoEvent("Abuse Typed")]
public sealed record AbuseEvent(string Label, double Amount, string? Note);
