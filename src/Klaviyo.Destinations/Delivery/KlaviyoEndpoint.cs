namespace Klaviyo.Destinations;

/// <summary>The Klaviyo endpoints the sender calls; each has its own rate budget.</summary>
internal enum KlaviyoEndpoint
{
    /// <summary><c>POST /api/profile-import</c>.</summary>
    ProfileImport,
    /// <summary><c>POST /api/events</c>.</summary>
    Events,
    /// <summary><c>POST /api/profile-bulk-import-jobs</c>.</summary>
    ProfileBulkImport,
    /// <summary><c>POST /api/event-bulk-create-jobs</c>.</summary>
    EventBulkCreate,
    /// <summary><c>GET /api/profile-bulk-import-jobs/{id}</c>.</summary>
    GetImportJob,
    /// <summary><c>GET /api/profile-bulk-import-jobs/{id}/import-errors</c>.</summary>
    GetImportErrors,
    /// <summary><c>POST /api/lists/{id}/relationships/profiles</c>.</summary>
    ListAdd,
    /// <summary><c>DELETE /api/lists/{id}/relationships/profiles</c>.</summary>
    ListRemove,
    /// <summary><c>GET /api/profiles</c> (id look-ups).</summary>
    GetProfiles,
    /// <summary><c>GET /api/lists/{id}/profiles</c> (membership checks).</summary>
    GetListProfiles,
    /// <summary><c>POST /api/profile-subscription-bulk-create-jobs</c>.</summary>
    SubscribeJob,
    /// <summary><c>POST /api/profile-subscription-bulk-delete-jobs</c>.</summary>
    UnsubscribeJob,
    /// <summary><c>POST /api/data-privacy-deletion-jobs</c>.</summary>
    DeletionJob,
    /// <summary><c>GET /api/accounts</c>: the key check and the probe of a paused delivery (tier XS: 1/s, 15/m).</summary>
    GetAccounts,
}
