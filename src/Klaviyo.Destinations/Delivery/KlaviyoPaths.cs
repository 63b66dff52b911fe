namespace Klaviyo.Destinations;

/// <summary>
/// The path of every Klaviyo endpoint the sender calls, written once: senders, the dry-run planner and metric tags all
/// take theirs from here (queries are appended by the caller).
/// </summary>
internal static class KlaviyoPaths
{
    /// <summary>Klaviyo's create-or-update-profile endpoint.</summary>
    public const string ProfileImport = "/api/profile-import";

    /// <summary>Klaviyo's create-event endpoint.</summary>
    public const string Events = "/api/events";

    private const string ProfileBulkImportJobs = "/api/profile-bulk-import-jobs";

    /// <summary>
    /// The path of <paramref name="endpoint"/>; <paramref name="id"/> (escaped here) is the list id or the import job id
    /// for the endpoints that name one.
    /// </summary>
    /// <exception cref="ArgumentException">The endpoint names a list or job and <paramref name="id"/> is null.</exception>
    public static string PathOf(KlaviyoEndpoint endpoint, string? id = null) =>
        Build(endpoint, id is null ? null : Uri.EscapeDataString(id));

    /// <summary>The endpoint's path template (<c>{id}</c> in place of the id), as metrics and logs name it; list additions and removals are told apart.</summary>
    public static string Template(KlaviyoEndpoint endpoint) => s_templates[(int)endpoint];

    // Built once: metrics tag every request and batch with it.
    private static readonly string[] s_templates = Enum.GetValues<KlaviyoEndpoint>().Order().Select(endpoint => endpoint switch
    {
        KlaviyoEndpoint.ListAdd => Build(endpoint, "{id}") + " (add)",
        KlaviyoEndpoint.ListRemove => Build(endpoint, "{id}") + " (remove)",
        _ => Build(endpoint, "{id}"),
    }).ToArray();

    private static string Build(KlaviyoEndpoint endpoint, string? id) => endpoint switch
    {
        KlaviyoEndpoint.ProfileImport => ProfileImport,
        KlaviyoEndpoint.Events => Events,
        KlaviyoEndpoint.ProfileBulkImport => ProfileBulkImportJobs,
        KlaviyoEndpoint.EventBulkCreate => "/api/event-bulk-create-jobs",
        KlaviyoEndpoint.GetImportJob => $"{ProfileBulkImportJobs}/{Required(id, endpoint)}",
        KlaviyoEndpoint.GetImportErrors => $"{ProfileBulkImportJobs}/{Required(id, endpoint)}/import-errors",
        KlaviyoEndpoint.ListAdd or KlaviyoEndpoint.ListRemove => $"/api/lists/{Required(id, endpoint)}/relationships/profiles",
        KlaviyoEndpoint.GetProfiles => "/api/profiles",
        KlaviyoEndpoint.GetListProfiles => $"/api/lists/{Required(id, endpoint)}/profiles",
        KlaviyoEndpoint.SubscribeJob => "/api/profile-subscription-bulk-create-jobs",
        KlaviyoEndpoint.UnsubscribeJob => "/api/profile-subscription-bulk-delete-jobs",
        KlaviyoEndpoint.DeletionJob => "/api/data-privacy-deletion-jobs",
        KlaviyoEndpoint.GetAccounts => "/api/accounts",
        _ => throw new ArgumentOutOfRangeException(nameof(endpoint), endpoint, "Not a Klaviyo endpoint."),
    };

    private static string Required(string? id, KlaviyoEndpoint endpoint) =>
        id ?? throw new ArgumentException($"{endpoint} names a list or job: pass its id.", nameof(id));
}
