namespace Klaviyo.Destinations;

/// <summary>Klaviyo's limits for list membership, subscription, look-up and deletion requests (declared in <see cref="KlaviyoLimits"/>).</summary>
internal static class AudienceBatching
{
    /// <summary>Most profile ids per <c>POST</c>/<c>DELETE /api/lists/{id}/relationships/profiles</c>.</summary>
    public const int MaxListChangesPerCall = KlaviyoLimits.MaxListChangesPerCall;

    /// <summary>Most profiles per subscription bulk create job.</summary>
    public const int MaxSubscribePerJob = KlaviyoLimits.MaxSubscribePerJob;

    /// <summary>Most profiles per subscription bulk delete job.</summary>
    public const int MaxUnsubscribePerJob = KlaviyoLimits.MaxUnsubscribePerJob;

    /// <summary>Most emails per <c>GET /api/profiles?filter=any(email,[…])</c> (the largest page).</summary>
    public const int MaxLookupPerCall = KlaviyoLimits.MaxLookupPerCall;

    /// <summary>Whether the kind is a list membership change, a subscription change or a deletion (sent by <see cref="AudienceSender"/>).</summary>
    public static bool IsAudienceKind(ItemKind kind) => kind is ItemKind.AddToList or ItemKind.RemoveFromList or ItemKind.Subscribe or ItemKind.Unsubscribe or ItemKind.DeleteProfile;

    /// <summary>Most items of a kind in one request.</summary>
    public static int CapFor(ItemKind kind) => kind switch
    {
        ItemKind.AddToList or ItemKind.RemoveFromList => MaxListChangesPerCall,
        ItemKind.Subscribe => MaxSubscribePerJob,
        ItemKind.Unsubscribe => MaxUnsubscribePerJob,
        _ => 1,
    };

    /// <summary>The endpoint of a batch of <paramref name="kind"/>.</summary>
    public static KlaviyoEndpoint EndpointFor(ItemKind kind) => kind switch
    {
        ItemKind.AddToList => KlaviyoEndpoint.ListAdd,
        ItemKind.RemoveFromList => KlaviyoEndpoint.ListRemove,
        ItemKind.Subscribe => KlaviyoEndpoint.SubscribeJob,
        ItemKind.Unsubscribe => KlaviyoEndpoint.UnsubscribeJob,
        _ => KlaviyoEndpoint.DeletionJob,
    };
}
