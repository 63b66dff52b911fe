namespace Klaviyo.Destinations;

/// <summary>
/// Travels with each request to Klaviyo (in <see cref="HttpRequestMessage.Options"/>) so <see cref="KlaviyoAttemptHandler"/>,
/// the innermost handler of our named client, can tell one attempt of ours from an outer handler's retry or hedge of it.
/// </summary>
internal sealed class AttemptTicket
{
    public static readonly HttpRequestOptionsKey<AttemptTicket> Key = new("Klaviyo.Destinations.Attempt");

    private readonly TaskCompletionSource _firstDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _passes;

    /// <summary>Counts a pass through the innermost handler; true for the first.</summary>
    public bool FirstPass() => Interlocked.Increment(ref _passes) == 1;

    /// <summary>What Klaviyo answered the first pass (status, body, Retry-After), kept for when an outer handler retries it.</summary>
    public FirstAnswer? Answer { get; private set; }

    /// <summary>
    /// Completes when the first pass has its answer or failed. A hedge (a second pass while the first is in flight) waits
    /// for it before being refused, so the refusal never wins the race and cancels the attempt that is reaching Klaviyo.
    /// </summary>
    public Task FirstPassDone => _firstDone.Task;

    /// <summary>Records the first pass's answer (null when it failed without one) and releases waiting hedges.</summary>
    public void Settle(FirstAnswer? answer)
    {
        if (answer is not null) Answer = answer;
        _firstDone.TrySetResult();
    }

    public sealed record FirstAnswer(int Status, string? ReasonPhrase, byte[] Body, TimeSpan? RetryAfter, string? RateLimitRemaining);
}

/// <summary>Thrown by <see cref="KlaviyoAttemptHandler"/> instead of sending a request a second time: an outer handler retried it.</summary>
internal sealed class OuterRetryRefusedException() : Exception("Klaviyo.Destinations sends each of its attempts once; an outer handler's retry or hedge was refused.");
