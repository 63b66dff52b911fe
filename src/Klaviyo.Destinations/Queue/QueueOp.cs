namespace Klaviyo.Destinations;

/// <summary>A change to a stored item, applied by the next group commit.</summary>
internal readonly record struct QueueOp(QueueOpKind Kind, long Seq, int Attempts = 0, DateTimeOffset? NotBefore = null, DateTimeOffset? FirstTaken = null, string? Reason = null);
