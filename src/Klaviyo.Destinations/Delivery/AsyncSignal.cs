namespace Klaviyo.Destinations;

/// <summary>A coalescing wake-up for the dispatcher: any number of <see cref="Set"/> calls complete the current wait once.</summary>
internal sealed class AsyncSignal
{
    private TaskCompletionSource _current = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Set() => Volatile.Read(ref _current).TrySetResult();

    /// <summary>Arms a new wait if the last one fired; call before looking for work, so no wake-up is lost.</summary>
    public void Reset()
    {
        if (Volatile.Read(ref _current).Task.IsCompleted)
            Volatile.Write(ref _current, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
    }

    public Task WaitAsync() => Volatile.Read(ref _current).Task;
}
