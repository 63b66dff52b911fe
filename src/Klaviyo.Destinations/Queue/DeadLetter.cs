namespace Klaviyo.Destinations;

/// <summary>An item a queue gave up on (attempt or age cap, or a record it could not read), kept for inspection and replay.</summary>
/// <param name="Id">The dead letter's id (the item's queue sequence number); pass it to <see cref="IEventQueue.ReplayDeadLettersAsync"/>.</param>
/// <param name="FailedAt">When the item became a dead letter.</param>
/// <param name="Attempts">Delivery attempts made.</param>
/// <param name="Reason">Why it was given up (Klaviyo's last answer).</param>
/// <param name="Kind">Profile or event; <see cref="ItemKind.Message"/> when the record could not be read.</param>
/// <param name="MessageId">The message the item came from (empty when the record could not be read).</param>
/// <param name="UserId">The message's userId, if any.</param>
/// <param name="Metric">The event's metric name (events).</param>
/// <param name="UniqueId">The event's <c>unique_id</c> (events).</param>
public sealed record DeadLetter(long Id, DateTimeOffset FailedAt, int Attempts, string Reason, ItemKind Kind, string MessageId, string? UserId, string? Metric, string? UniqueId);
