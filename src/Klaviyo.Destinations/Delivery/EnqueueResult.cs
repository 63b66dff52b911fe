namespace Klaviyo.Destinations;

/// <summary>What <see cref="IEventQueue.Enqueue"/> did with an item: accepted with its sequence, or refused with the reason.</summary>
public readonly record struct EnqueueResult
{
    private EnqueueResult(long sequence, EnqueueRefusal refusal, string? reason)
    {
        Sequence = sequence;
        Refusal = refusal;
        Reason = reason;
    }

    /// <summary>Whether the queue accepted the item.</summary>
    public bool Accepted => Refusal == EnqueueRefusal.None;

    /// <summary>The item's sequence when accepted; 0 when refused.</summary>
    public long Sequence { get; }

    /// <summary>Why the item was refused; <see cref="EnqueueRefusal.None"/> when it was accepted.</summary>
    public EnqueueRefusal Refusal { get; }

    /// <summary>The refusal in words for the item's outcome (what happened and what to do); null when accepted.</summary>
    public string? Reason { get; }

    /// <summary>The item was accepted with <paramref name="sequence"/>.</summary>
    public static EnqueueResult Ok(long sequence)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sequence, 1);
        return new(sequence, EnqueueRefusal.None, null);
    }

    /// <summary>The item was refused for <paramref name="refusal"/>, explained by <paramref name="reason"/>.</summary>
    public static EnqueueResult Refused(EnqueueRefusal refusal, string reason)
    {
        if (refusal == EnqueueRefusal.None) throw new ArgumentOutOfRangeException(nameof(refusal), "A refusal needs a kind other than None.");
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return new(0, refusal, reason);
    }
}

/// <summary>Why a queue refused an item.</summary>
public enum EnqueueRefusal
{
    /// <summary>Not refused: the item was accepted.</summary>
    None,

    /// <summary>The queue is closed (the app is shutting down).</summary>
    Closed,

    /// <summary>The queue holds as many items as it may (its capacity, or a durable queue's write buffer).</summary>
    Full,

    /// <summary>The item would take the queue over its storage budget.</summary>
    OverBudget,

    /// <summary>Any other reason the queue gives.</summary>
    Other,
}
