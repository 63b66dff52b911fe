using System.Collections.Concurrent;
using Klaviyo.Emulator;

namespace Klaviyo.Destinations.Tests.Delivery;

/// <summary>
/// A user-supplied <see cref="IKlaviyoRateBudget"/> that tracks requests in flight (as the Redis budget does) learns
/// when each of them is over: every slot it hands out comes back exactly once, answered, refused with 429 (given back:
/// Klaviyo does not count it) or cut off without an answer.
/// </summary>
public sealed class RateBudgetSlotTests
{
    [Fact]
    public async Task Every_slot_comes_back_once_and_only_the_429s_are_given_back()
    {
        // Klaviyo's real tiers, not compressed, and a budget that never waits: the first second's burst is refused in
        // part. One request in ten is cut off without an answer.
        await using var klaviyo = await KlaviyoEmulator.StartAsync(new KlaviyoEmulatorOptions { Port = 0, RateLimitsEnabled = true, RandomSeed = 7 });
        klaviyo.SetFaults(new EmulatorFaults { ResetRate = 0.1 });
        var budget = new SlotRecordingBudget();
        var delivered = new ConcurrentQueue<DeliveryOutcome>();
        var options = new KlaviyoDestinationOptions
        {
            ApiKey = "pk_slot_budget",
            BaseUrl = klaviyo.BaseAddress,
            QueueStorage = QueueStorage.Memory,
            DeliveryMode = DeliveryMode.LowLatency,
            CheckKeyAtStartup = false,
            MaxAttempts = 50,
            RetryBaseDelay = TimeSpan.FromMilliseconds(10),
            MaxRetryDelay = TimeSpan.FromMilliseconds(100),
            OnOutcome = delivered.Enqueue,
        }.UseRateBudget(budget);
        const int People = 150;
        await using (var analytics = new Analytics(options))
        {
            for (var n = 0; n < People; n++)
                analytics.Identify($"slot-person-{n}", new Dictionary<string, object?> { ["email"] = $"slot-person-{n}@example.com" });
            await analytics.FlushAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        }

        Assert.Equal(People, klaviyo.State.Profiles.Count);
        Assert.All(delivered, o => Assert.Equal(DeliveryStatus.Delivered, o.Status));
        var refused = klaviyo.Counters.WithStatus(429);
        Assert.True(refused > 0, "Klaviyo refused nothing: the test did not exercise a 429.");
        Assert.True(budget.Taken > People + refused, "No request was cut off without an answer.");
        Assert.Equal(budget.Taken, budget.Ends.Count);
        Assert.All(budget.Ends, f => Assert.Equal(1, f.Value.Times));
        Assert.Equal(refused, budget.Ends.Values.Count(f => !f.Counted));
    }

    /// <summary>Hands out numbered slots at once and records how each one came back.</summary>
    private sealed class SlotRecordingBudget : IKlaviyoRateBudget
    {
        private long _next;

        public ConcurrentDictionary<long, (int Times, bool Counted)> Ends { get; } = new();

        public long Taken => Interlocked.Read(ref _next);

        public ValueTask AcquireAsync(string endpoint, KlaviyoRateTier tier, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("The sender takes tracked slots.");

        public ValueTask<long> AcquireSlotAsync(string endpoint, KlaviyoRateTier tier, CancellationToken cancellationToken) =>
            ValueTask.FromResult(Interlocked.Increment(ref _next));

        public void Finished(string endpoint, KlaviyoRateTier tier, long slot, bool counted) =>
            Ends.AddOrUpdate(slot, (1, counted), (_, f) => (f.Times + 1, f.Counted && counted));

        public void Throttled(string endpoint, KlaviyoRateTier tier, TimeSpan? retryAfter)
        {
        }

        public void Observe(string endpoint, KlaviyoRateTier tier, int remaining)
        {
        }
    }
}
