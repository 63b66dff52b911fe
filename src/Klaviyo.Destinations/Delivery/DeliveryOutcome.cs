namespace Klaviyo.Destinations;

/// <summary>How a message part ended.</summary>
public enum DeliveryStatus
{
    /// <summary>Klaviyo accepted it.</summary>
    Delivered,
    /// <summary>Rejected permanently (bad input, or a 4xx from Klaviyo); see the reason.</summary>
    Rejected,
    /// <summary>Given up after the retry limits.</summary>
    Expired,
    /// <summary>Nothing to send for this call (e.g. Alias, which Klaviyo has no API for, or a disabled integration).</summary>
    Skipped,
}

/// <summary>
/// The final outcome of one part of a message: a profile upsert, an event, or one of the events an order expands
/// into. Reported once per part through <see cref="KlaviyoDestinationOptions.OnOutcome"/>, the logger and metrics.
/// </summary>
/// <param name="MessageId">The message the part belongs to.</param>
/// <param name="Kind">What the part is (profile, event, …).</param>
/// <param name="Status">How it ended.</param>
/// <param name="Reason">Why it was rejected, expired or skipped; null when delivered.</param>
/// <param name="Field">The field concerned (a trait, property or Klaviyo pointer), when known.</param>
/// <param name="UniqueId">The event's <c>unique_id</c>, for events.</param>
/// <param name="UserId">The message's userId, if any.</param>
/// <param name="Warnings">Fields left out of an otherwise delivered part, with reasons (e.g. an invalid phone number).</param>
public sealed record DeliveryOutcome(
    string MessageId,
    ItemKind Kind,
    DeliveryStatus Status,
    string? Reason,
    string? Field,
    string? UniqueId,
    string? UserId,
    IReadOnlyList<Mapping.MappingIssue> Warnings);

/// <summary>What a queued item asks Klaviyo to do.</summary>
public enum ItemKind
{
    /// <summary>Create or update a profile.</summary>
    Profile,
    /// <summary>Record an event (with its profile).</summary>
    Event,
    /// <summary>A message that never became a request (rejected while mapping, or skipped).</summary>
    Message,
    /// <summary>Add the profile to a list (<c>POST /api/lists/{id}/relationships/profiles</c>); consent is not touched.</summary>
    AddToList,
    /// <summary>Remove the profile from a list (<c>DELETE /api/lists/{id}/relationships/profiles</c>); consent is not touched.</summary>
    RemoveFromList,
    /// <summary>Grant consent (<c>POST /api/profile-subscription-bulk-create-jobs</c>), optionally through a list's opt-in process.</summary>
    Subscribe,
    /// <summary>Revoke consent (<c>POST /api/profile-subscription-bulk-delete-jobs</c>), globally or for one list.</summary>
    Unsubscribe,
    /// <summary>Delete the profile and its data (<c>POST /api/data-privacy-deletion-jobs</c>).</summary>
    DeleteProfile,
}
