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
}
