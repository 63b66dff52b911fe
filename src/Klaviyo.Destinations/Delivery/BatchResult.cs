namespace Klaviyo.Destinations;

/// <summary>How Klaviyo answered a batch.</summary>
internal enum BatchVerdict
{
    /// <summary>Accepted; items listed in <see cref="BatchResult.Rejections"/> (import errors) failed, the others are delivered.</summary>
    Delivered,
    /// <summary>Transient failure (no answer, 408, 429, 5xx): send the batch again later.</summary>
    Retry,
    /// <summary>Permanent failure: the listed items are rejected and the rest is re-sent; with no list, the whole batch failed.</summary>
    Rejected,
}

/// <summary>One item Klaviyo refused, by index in the batch, with the reason and the field (pointer as for the single item).</summary>
internal readonly record struct ItemRejection(int Index, string Reason, string? Field);

/// <summary>The classified answer to a batch.</summary>
internal sealed record BatchResult(BatchVerdict Verdict, int StatusCode, string? Reason = null, string? Field = null, TimeSpan? RetryAfter = null)
{
    /// <summary>Items Klaviyo named as bad.</summary>
    public IReadOnlyList<ItemRejection> Rejections { get; init; } = [];

    /// <summary>Items that needed no request (e.g. removing a person Klaviyo does not know from a list), with the reason; reported as skipped.</summary>
    public IReadOnlyList<ItemRejection> Skips { get; init; } = [];

    /// <summary>A permanent failure no pointer attributes to an item, which splitting the batch can narrow down (400, 409, 413, 422).</summary>
    public bool Splittable { get; init; }

    public static BatchResult Delivered(int status) => new(BatchVerdict.Delivered, status);

    /// <summary>
    /// The one reading of Klaviyo's answer, for every sender: 2xx is delivered; no answer, 408, 429 and 5xx are retried
    /// (after the wait Klaviyo asked for); any other status rejects the request, with Klaviyo's first error as the reason
    /// and field. A rejection is <see cref="Splittable"/> on 400, 409, 413 and 422 when every error points into the body
    /// (or at nothing): halves of the batch can then tell the bad items from the good. Senders that can tie errors to items
    /// add <see cref="Rejections"/>.
    /// </summary>
    public static BatchResult From(ApiAnswer answer, IReadOnlyList<ApiError> errors)
    {
        ArgumentNullException.ThrowIfNull(answer);
        ArgumentNullException.ThrowIfNull(errors);
        if (answer.IsSuccess) return Delivered(answer.Status);
        var first = errors.Count > 0 ? errors[0] : null;
        var reason = answer.Describe(first?.Detail);
        if (answer.IsTransient) return new BatchResult(BatchVerdict.Retry, answer.Status, reason, first?.Pointer, answer.RetryAfter);
        return new BatchResult(BatchVerdict.Rejected, answer.Status, reason, first?.Pointer)
        {
            Splittable = answer.Status is 400 or 409 or 413 or 422 && errors.All(e => e.Pointer is null || e.Pointer.StartsWith('/')),
        };
    }

    /// <summary><see cref="From(ApiAnswer, IReadOnlyList{ApiError})"/> with the errors read from the answer's body.</summary>
    public static BatchResult From(ApiAnswer answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        return From(answer, answer.IsSuccess ? [] : ApiError.ReadAll(answer.Body));
    }

    /// <summary>The same classification as a <see cref="SendResult"/>, for <see cref="IKlaviyoSender"/>.</summary>
    public SendResult ToSendResult() => Verdict switch
    {
        BatchVerdict.Delivered => new SendResult(SendStatus.Delivered, StatusCode),
        BatchVerdict.Retry => new SendResult(SendStatus.Retry, StatusCode, Reason, Field, RetryAfter),
        _ => new SendResult(SendStatus.Rejected, StatusCode, Reason, Field),
    };
}
