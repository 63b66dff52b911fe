namespace Klaviyo.Destinations;

/// <summary>
/// The rate tiers the sender paces itself by, one per endpoint (revision 2026-07-15 defaults). Private-key
/// integrations share one quota per Klaviyo account, so lower these when other systems use the same account, or
/// raise them if Klaviyo granted your account more.
/// </summary>
public sealed class KlaviyoRateLimits
{
    /// <summary><c>POST /api/profile-import</c>: 75/s, 750/m.</summary>
    public KlaviyoRateTier ProfileImport { get; set; } = new(75, 750);

    /// <summary><c>POST /api/events</c>: 350/s, 3,500/m.</summary>
    public KlaviyoRateTier Events { get; set; } = new(350, 3500);

    /// <summary><c>POST /api/profile-bulk-import-jobs</c>: 10/s, 150/m.</summary>
    public KlaviyoRateTier ProfileBulkImport { get; set; } = new(10, 150);

    /// <summary><c>POST /api/event-bulk-create-jobs</c>: 10/s, 150/m.</summary>
    public KlaviyoRateTier EventBulkCreate { get; set; } = new(10, 150);

    /// <summary>
    /// Reading a profile import job: <c>GET /api/profile-bulk-import-jobs/{id}</c> and
    /// <c>GET …/{id}/import-errors</c>, each 10/s, 150/m (each endpoint gets its own budget of this size).
    /// </summary>
    public KlaviyoRateTier ImportJobReads { get; set; } = new(10, 150);

    /// <summary>List membership changes: <c>POST</c>/<c>DELETE /api/lists/{id}/relationships/profiles</c>, each 10/s, 150/m.</summary>
    public KlaviyoRateTier ListMembership { get; set; } = new(10, 150);

    /// <summary>Profile id look-ups and list membership checks: <c>GET /api/profiles</c>, <c>GET /api/lists/{id}/profiles</c>, each 75/s, 750/m.</summary>
    public KlaviyoRateTier ProfileReads { get; set; } = new(75, 750);

    /// <summary>Subscription jobs: <c>POST /api/profile-subscription-bulk-create-jobs</c> and <c>…-bulk-delete-jobs</c>, each 75/s, 750/m.</summary>
    public KlaviyoRateTier Subscriptions { get; set; } = new(75, 750);

    /// <summary>Privacy deletions: <c>POST /api/data-privacy-deletion-jobs</c>, 3/s, 60/m.</summary>
    public KlaviyoRateTier Deletions { get; set; } = new(3, 60);

    private static readonly KlaviyoRateTier s_accounts = new(1, 15);

    internal KlaviyoRateTier For(KlaviyoEndpoint endpoint) => endpoint switch
    {
        KlaviyoEndpoint.ListAdd or KlaviyoEndpoint.ListRemove => ListMembership,
        KlaviyoEndpoint.GetProfiles or KlaviyoEndpoint.GetListProfiles => ProfileReads,
        KlaviyoEndpoint.SubscribeJob or KlaviyoEndpoint.UnsubscribeJob => Subscriptions,
        KlaviyoEndpoint.DeletionJob => Deletions,
        KlaviyoEndpoint.GetAccounts => s_accounts,
        KlaviyoEndpoint.ProfileImport => ProfileImport,
        KlaviyoEndpoint.Events => Events,
        KlaviyoEndpoint.ProfileBulkImport => ProfileBulkImport,
        KlaviyoEndpoint.EventBulkCreate => EventBulkCreate,
        _ => ImportJobReads,
    };

    /// <inheritdoc />
    public override string ToString() =>
        $"profile-import {ProfileImport}, events {Events}, profile-bulk-import {ProfileBulkImport}, event-bulk-create {EventBulkCreate}, job reads {ImportJobReads}, lists {ListMembership}, profile reads {ProfileReads}, subscriptions {Subscriptions}, deletions {Deletions}";
}
