namespace Klaviyo.Destinations;

/// <summary>Sends one batch and classifies the answer (never throws for HTTP or network failures).</summary>
internal interface IBatchSender
{
    /// <summary>Whether the sender speaks the bulk endpoints; when false every batch holds one item.</summary>
    bool SupportsBulk { get; }

    Task<BatchResult> SendAsync(Batch batch, CancellationToken cancellationToken);
}
