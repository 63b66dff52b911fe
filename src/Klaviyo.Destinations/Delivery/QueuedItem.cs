using Klaviyo.Destinations.Mapping;

namespace Klaviyo.Destinations;

/// <summary>
/// One unit of work for Klaviyo, already mapped to Klaviyo JSON: a profile upsert or an event with its profile.
/// Queues store and return these; the sender composes request bodies from them.
/// </summary>
public sealed class QueuedItem
{
    /// <summary>Queue-assigned order (strictly increasing per queue, set by <see cref="IEventQueue.Enqueue"/>); also the item's flush ticket.</summary>
    public long Sequence { get; set; }

    /// <summary>What Klaviyo is asked to do.</summary>
    public required ItemKind Kind { get; init; }

    /// <summary>The message this item came from.</summary>
    public required string MessageId { get; init; }

    /// <summary>The message's userId, if any.</summary>
    public string? UserId { get; init; }

    /// <summary>Key that keeps one person's items in order (userId, else email/phone/anonymous id).</summary>
    public required string UserKey { get; init; }

    /// <summary>The profile's <c>attributes</c> JSON (identify: every field; event: the identifiers).</summary>
    public required byte[] Profile { get; init; }

    /// <summary>
    /// The profile resource's <c>meta</c> JSON (<c>{"patch_properties":…}</c>), profiles only; null when the call asked
    /// for no patch operations.
    /// </summary>
    public byte[]? ProfileMeta { get; init; }

    /// <summary>The event's <c>properties</c> JSON (events only).</summary>
    public byte[]? Properties { get; init; }

    /// <summary>The Klaviyo metric name (events only).</summary>
    public string? Metric { get; init; }

    /// <summary>The event's dedupe key (events only): deterministic, so a retry never becomes a visible duplicate.</summary>
    public string? UniqueId { get; init; }

    /// <summary>When the event happened (events only).</summary>
    public DateTimeOffset? Time { get; init; }

    /// <summary>The event's value (events only).</summary>
    public double? Value { get; init; }

    /// <summary>The value's currency (events only).</summary>
    public string? Currency { get; init; }

    /// <summary>Klaviyo's backfill flag (events only).</summary>
    public bool Backfill { get; init; }

    /// <summary>
    /// The Klaviyo list of a list membership change, or the list a subscription goes through (its opt-in process) or
    /// an unsubscription is limited to. Null for profiles and events.
    /// </summary>
    public string? ListId { get; init; }

    /// <summary>
    /// The audience a membership change comes from (<c>AudienceEntered</c>/<c>AudienceExited</c>, "Audience Entered"
    /// events, computed audiences). Audience updates are bulk-forwarded (<c>AudienceFlushCount</c>/<c>AudienceFlushInterval</c>)
    /// and the last update of a person and list within a window wins.
    /// </summary>
    public string? Audience { get; init; }

    /// <summary>Subscriptions only: send with <c>historical_import</c> (the consent was gathered earlier; <c>consented_at</c> is in the profile row, double opt-in is skipped).</summary>
    public bool HistoricalImport { get; init; }

    /// <summary>Fields left out while mapping, with reasons (reported with the outcome).</summary>
    public IReadOnlyList<MappingIssue> Warnings { get; init; } = [];

    /// <summary>Delivery attempts so far.</summary>
    public int Attempts { get; set; }

    /// <summary>
    /// Earliest time of the next attempt after a retryable failure. Set by the pipeline before
    /// <see cref="IEventQueue.RecordRetryAsync"/>; a durable queue stores it and restores it when it loads the item again.
    /// </summary>
    public DateTimeOffset? NotBefore { get; set; }

    /// <summary>When the built-in queue accepted the item (the backlog's age; kept by the durable queue across restarts).</summary>
    internal DateTimeOffset EnqueuedAt { get; set; }

    /// <summary>
    /// When a sender first took the item (the start of <c>MaxItemAge</c>). Set by the pipeline; a durable queue stores it
    /// with <see cref="IEventQueue.RecordRetryAsync"/> and restores it when it loads the item again.
    /// </summary>
    public DateTimeOffset? FirstTakenAt { get; set; }

    /// <summary>
    /// The trace context of the call that produced the item (when someone listens to the <c>Klaviyo.Destinations</c>
    /// source): the span of the request that delivers it links to it. Kept by durable queues across restarts.
    /// </summary>
    internal System.Diagnostics.ActivityContext TraceContext { get; set; }

    /// <summary>When the item was accepted.</summary>
    public DateTimeOffset AcceptedAt { get; init; }

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        ItemKind.Event => $"Event '{Metric}' ({UniqueId})",
        ItemKind.Profile => $"Profile ({MessageId})",
        _ => $"{Kind}{(ListId is null ? "" : " list " + ListId)} ({MessageId})",
    };
}
