using System.Security.Cryptography;
using System.Text;
using Klaviyo.Destinations.Mapping;

namespace Klaviyo.Destinations;

/// <summary>
/// Text that identifies a message must survive the trip exactly. A message id or an event name holding an unpaired
/// UTF-16 surrogate would reach Klaviyo as U+FFFD (JSON cannot carry it), so two ids differing only there would become
/// one <c>unique_id</c> and one event would be dropped as a duplicate: such a message is rejected with the reason.
/// A <c>unique_id</c> longer than <see cref="MaxUniqueIdLength"/> is replaced by a fixed-length digest of itself.
/// </summary>
internal static class MessageTextRules
{
    /// <summary>
    /// The longest <c>unique_id</c> sent. Klaviyo's API reference states no length for it; this bound keeps every id we
    /// send within the size every Klaviyo field is documented to take for identifiers.
    /// </summary>
    public const int MaxUniqueIdLength = 255;

    /// <summary>The reason and field when the message's id or event name cannot be sent exactly; null when they can.</summary>
    public static (string Reason, string Field)? Refusal(AnalyticsMessage message)
    {
        if (!TextRules.IsValid(message.MessageId, out var reason))
            return ($"The messageId {reason}; it would not reach Klaviyo as given (and could collide with another message's unique_id), so the message was not sent.", "messageId");
        if (message.Type is MessageType.Track or MessageType.Page or MessageType.Screen && message.Name is { } name && !TextRules.IsValid(name, out reason))
            return ($"The event name {reason}; Klaviyo would record it under another name, so the event was not sent.", "event");
        return null;
    }

    /// <summary>
    /// <paramref name="uniqueId"/> when it is within <see cref="MaxUniqueIdLength"/>; otherwise <c>sha256:</c> and the
    /// hex SHA-256 of its UTF-8 bytes (deterministic, so retries and replays still deduplicate), with a warning.
    /// </summary>
    public static string Bound(string uniqueId, ref IReadOnlyList<MappingIssue> warnings)
    {
        if (uniqueId.Length <= MaxUniqueIdLength) return uniqueId;
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(uniqueId)));
        warnings = [.. warnings, new MappingIssue("unique_id", $"unique_id is {uniqueId.Length} characters, over the {MaxUniqueIdLength} sent; it was replaced by '{digest}' (the same id always gives the same digest).")];
        return digest;
    }
}
