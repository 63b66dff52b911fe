namespace Klaviyo.Destinations.Redis.Tests.Replicas;

/// <summary>Polls an observable condition (an HTTP answer, the emulator's state, Redis) every 100 ms until it holds or the deadline passes.</summary>
internal static class Poll
{
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan deadline, Func<T, string> describe)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        var until = DateTime.UtcNow + deadline;
        while (true)
        {
            var value = await probe();
            if (done(value)) return value;
            if (DateTime.UtcNow > until) throw new TimeoutException($"Not reached within {deadline}: {describe(value)}");
            await timer.WaitForNextTickAsync();
        }
    }

    public static Task<T> UntilAsync<T>(Func<T> probe, Func<T, bool> done, TimeSpan deadline, Func<T, string> describe) =>
        UntilAsync(() => Task.FromResult(probe()), done, deadline, describe);
}
