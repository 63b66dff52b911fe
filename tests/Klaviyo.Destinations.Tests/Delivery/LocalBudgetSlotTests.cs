using System.Collections.Concurrent;
using Klaviyo.Emulator;

namespace Klaviyo.Destinations.Tests.Delivery;

/// <summary>
/// The single-process budget (no <see cref="IKlaviyoRateBudget"/>) counts each request until its answer is back, end to
/// end through the sender against the emulator's real tiers: every slot comes back however the request ended (answered,
/// cut off without an answer, refused with 429), so nothing stays "in flight" and blocks the endpoint for good.
/// </summary>
public sealed class LocalBudgetSlotTests
{
    [Fact]
    public async Task Every_request_s_slot_comes_back_so_nothing_is_left_in_flight()
    {
        // Klaviyo's real tiers compressed 10× (75 profile imports per 0.1 s, 700 per 6 s), and one request in ten cut off.
        const double TimeScale = 10;
        await using var klaviyo = await KlaviyoEmulator.StartAsync(new KlaviyoEmulatorOptions { Port = 0, RateLimitsEnabled = true, TimeScale = TimeScale, RandomSeed = 11 });
        klaviyo.SetFaults(new EmulatorFaults { ResetRate = 0.1 });
        var delivered = new ConcurrentQueue<DeliveryOutcome>();
        var options = new KlaviyoDestinationOptions
        {
            ApiKey = "pk_local_slots",
            BaseUrl = klaviyo.BaseAddress,
            QueueStorage = QueueStorage.Memory,
            DeliveryMode = DeliveryMode.LowLatency,
            CheckKeyAtStartup = false,
            RateLimitTimeScale = TimeScale,
            MaxConcurrentBatches = 16,
            MaxAttempts = 50,
            RetryBaseDelay = TimeSpan.FromMilliseconds(10),
            MaxRetryDelay = TimeSpan.FromMilliseconds(100),
            OnOutcome = delivered.Enqueue,
        };
        using var http = new HttpClient();
        var sender = new KlaviyoHttpSender(http, options);
        const int People = 300;
        await using (var analytics = new Analytics(options, sender: sender))
        {
            for (var n = 0; n < People; n++)
                analytics.Identify($"local-slot-{n}", new Dictionary<string, object?> { ["email"] = $"local-slot-{n}@example.com" });
            await analytics.FlushAsync(new CancellationTokenSource(TimeSpan.FromSeconds(120)).Token);
        }

        Assert.Equal(People, klaviyo.State.Profiles.Count);
        Assert.All(delivered, o => Assert.Equal(DeliveryStatus.Delivered, o.Status));
        var bucket = Assert.IsType<TokenBucket>(sender.Transport.Budgets[KlaviyoEndpoint.ProfileImport]);
        Assert.Equal(0, bucket.InFlight);
        Assert.True(klaviyo.Counters.Total("POST /api/profile-import") > People, "No request was cut off without an answer.");
    }
}
