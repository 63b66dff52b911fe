namespace Klaviyo.Destinations;

/// <summary>What a <see cref="QueueOp"/> does.</summary>
internal enum QueueOpKind
{
    /// <summary>The item is finished: delete it.</summary>
    Complete,
    /// <summary>Record attempts and the next attempt time.</summary>
    Retry,
    /// <summary>Move it to the dead letters with the reason.</summary>
    DeadLetter,
}
