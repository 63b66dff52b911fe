namespace Klaviyo.Destinations.Mapping;

/// <summary>
/// A field that was left out of a message or changed on its way (an identifier trimmed of whitespace), and why. The
/// rest of the message is still sent.
/// </summary>
/// <param name="Field">The trait, property or Klaviyo field concerned.</param>
/// <param name="Reason">What was wrong and what happened.</param>
public sealed record MappingIssue(string Field, string Reason);
