namespace Klaviyo.Destinations;

/// <summary>
/// Sends items to Klaviyo's single-item endpoints (<c>POST /api/profile-import</c>, <c>POST /api/events</c>) with the
/// private-key and revision headers, paced by the endpoints' rate budgets. The key lives only in the request header;
/// it never reaches a log or message. When given to <see cref="Analytics"/>, the client also uses the bulk endpoints
/// through the same connection and budgets.
/// </summary>
public sealed class KlaviyoHttpSender : IKlaviyoSender
{
    /// <summary>Klaviyo's JSON:API media type.</summary>
    public const string MediaType = "application/vnd.api+json";

    /// <summary>Creates a sender on <paramref name="http"/> (its base address is ignored; <see cref="KlaviyoDestinationOptions.BaseUrl"/> is used).</summary>
    public KlaviyoHttpSender(HttpClient http, KlaviyoDestinationOptions options) : this(http, options, null, TimeProvider.System) { }

    internal KlaviyoHttpSender(HttpClient http, KlaviyoDestinationOptions options, KlaviyoMetrics? metrics, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(options);
        Transport = new KlaviyoTransport(http, options, metrics, time ?? TimeProvider.System);
    }

    internal KlaviyoTransport Transport { get; }

    /// <inheritdoc />
    public async Task<SendResult> SendAsync(QueuedItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (item.Kind is not (ItemKind.Profile or ItemKind.Event))
            return new SendResult(SendStatus.Rejected, 0, $"{item.Kind} items need profile id resolution and list checks; give this sender to Analytics (which sends them itself) instead of calling it per item.");
        var endpoint = item.Kind == ItemKind.Event ? KlaviyoEndpoint.Events : KlaviyoEndpoint.ProfileImport;
        var answer = await Transport.SendAsync(endpoint, new Uri(Transport.BaseUrl, RequestComposer.PathFor(item)), RequestComposer.SingleBody(item), cancellationToken).ConfigureAwait(false);
        return Classify(answer);
    }

    /// <summary>Delivered (2xx), Retry (no answer, 408, 429, 5xx) or Rejected with Klaviyo's first error (<see cref="BatchResult.From(ApiAnswer)"/>).</summary>
    internal static SendResult Classify(ApiAnswer answer) => BatchResult.From(answer).ToSendResult();
}
