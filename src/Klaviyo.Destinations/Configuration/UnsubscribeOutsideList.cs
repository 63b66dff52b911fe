namespace Klaviyo.Destinations;

/// <summary>
/// What happens to a consent revocation scoped to a list (<c>Integrations.Klaviyo.ListId</c>) when the profile is not
/// in that list. Klaviyo's bulk unsubscribe then unsubscribes the profile from the channel <b>globally</b> (every
/// list), which is rarely what "leave this list" meant.
/// </summary>
public enum UnsubscribeOutsideList
{
    /// <summary>Send nothing for that profile and report the item <see cref="DeliveryStatus.Skipped"/> with the reason (default).</summary>
    Skip,
    /// <summary>Report the item <see cref="DeliveryStatus.Rejected"/> with the reason.</summary>
    Reject,
    /// <summary>Send it anyway: Klaviyo unsubscribes the profile from the channel globally. A warning is logged.</summary>
    UnsubscribeGlobally,
}
