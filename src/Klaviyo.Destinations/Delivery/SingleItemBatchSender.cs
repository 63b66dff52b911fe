namespace Klaviyo.Destinations;

/// <summary>Runs batches of one item through a user-supplied <see cref="IKlaviyoSender"/>.</summary>
internal sealed class SingleItemBatchSender(IKlaviyoSender sender) : IBatchSender
{
    public bool SupportsBulk => false;

    public async Task<BatchResult> SendAsync(Batch batch, CancellationToken cancellationToken)
    {
        var result = await sender.SendAsync(batch.Items[0].Item, cancellationToken).ConfigureAwait(false);
        return result.Status switch
        {
            SendStatus.Delivered => BatchResult.Delivered(result.StatusCode),
            SendStatus.Retry => new BatchResult(BatchVerdict.Retry, result.StatusCode, result.Reason, result.Field, result.RetryAfter),
            _ => new BatchResult(BatchVerdict.Rejected, result.StatusCode, result.Reason, result.Field)
            {
                Rejections = [new ItemRejection(0, result.Reason ?? $"Klaviyo answered {result.StatusCode}.", result.Field)],
            },
        };
    }
}
