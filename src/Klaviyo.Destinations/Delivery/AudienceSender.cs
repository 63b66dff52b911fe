using Microsoft.Extensions.Logging;

namespace Klaviyo.Destinations;

/// <summary>
/// Sends the batches that are not profile imports or events, each by the sender of its job: list membership changes
/// (<see cref="ListMembershipSender"/>), subscription jobs (<see cref="SubscriptionSender"/>) and privacy deletions
/// (<see cref="DeletionSender"/>); the profile ids the first and last take come from <see cref="ProfileIdLookup"/>.
/// </summary>
internal sealed class AudienceSender
{
    private readonly ListMembershipSender _lists;
    private readonly SubscriptionSender _subscriptions;
    private readonly DeletionSender _deletions;

    public AudienceSender(KlaviyoTransport transport, KlaviyoDestinationOptions options, ProfileIdCache ids, ILogger logger)
    {
        var lookup = new ProfileIdLookup(transport, ids, logger);
        _lists = new ListMembershipSender(transport, ids, lookup);
        _subscriptions = new SubscriptionSender(transport, options, ids, logger);
        _deletions = new DeletionSender(transport, ids, lookup);
    }

    public static bool Handles(KlaviyoEndpoint endpoint) =>
        endpoint is KlaviyoEndpoint.ListAdd or KlaviyoEndpoint.ListRemove or KlaviyoEndpoint.SubscribeJob or KlaviyoEndpoint.UnsubscribeJob or KlaviyoEndpoint.DeletionJob;

    public Task<BatchResult> SendAsync(Batch batch, CancellationToken cancellationToken) => batch.Endpoint switch
    {
        KlaviyoEndpoint.ListAdd => _lists.SendAsync(batch, add: true, cancellationToken),
        KlaviyoEndpoint.ListRemove => _lists.SendAsync(batch, add: false, cancellationToken),
        KlaviyoEndpoint.SubscribeJob => _subscriptions.SendAsync(batch, subscribe: true, cancellationToken),
        KlaviyoEndpoint.UnsubscribeJob => _subscriptions.SendAsync(batch, subscribe: false, cancellationToken),
        _ => _deletions.SendAsync(batch, cancellationToken),
    };
}
