using Microsoft.Extensions.Time.Testing;

namespace Klaviyo.Destinations.Tests.Delivery;

/// <summary>The per-endpoint budget under a fake clock: burst and steady tiers, tokens coming back, 429s and Klaviyo's own count.</summary>
public sealed class TokenBucketTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 8, 3, 12, 0, 0, TimeSpan.Zero));

    private static int TakeAll(TokenBucket bucket)
    {
        var taken = 0;
        while (bucket.TryTake() == TimeSpan.Zero) taken++;
        return taken;
    }

    [Fact]
    public void A_burst_spends_the_per_second_tier_then_waits_for_the_window()
    {
        var bucket = new TokenBucket(new KlaviyoRateTier(10, 150), 1, _clock);
        Assert.Equal(10, TakeAll(bucket));
        var wait = bucket.TryTake();
        Assert.True(wait > TimeSpan.Zero && wait <= bucket.BurstWindow, $"wait {wait}");
        _clock.Advance(wait);
        Assert.Equal(10, TakeAll(bucket));
    }

    [Fact]
    public void No_minute_ever_holds_more_than_the_steady_tier()
    {
        var bucket = new TokenBucket(new KlaviyoRateTier(75, 750), 1, _clock);
        var sent = new List<DateTimeOffset>();
        var end = _clock.GetUtcNow().AddMinutes(3);
        while (_clock.GetUtcNow() < end)
        {
            var wait = bucket.TryTake();
            if (wait == TimeSpan.Zero) sent.Add(_clock.GetUtcNow());
            else _clock.Advance(wait);
        }
        // Klaviyo's fixed windows may start anywhere: check every minute-long window that starts at a send.
        for (var i = 0; i < sent.Count; i++)
        {
            var inWindow = sent.Skip(i).TakeWhile(t => t < sent[i].AddMinutes(1)).Count();
            Assert.True(inWindow <= 750, $"{inWindow} requests in the minute from {sent[i]:HH:mm:ss.fff}");
        }
        for (var i = 0; i < sent.Count; i++)
        {
            Assert.True(sent.Skip(i).TakeWhile(t => t < sent[i].AddSeconds(1)).Count() <= 75);
        }
        // and the budget is used: close to 750 per minute over three minutes
        Assert.InRange(sent.Count, 3 * 750 * 0.95, 3 * 750);
    }

    [Fact]
    public void A_429_pauses_every_sender_of_the_endpoint_for_the_Retry_After()
    {
        var bucket = new TokenBucket(new KlaviyoRateTier(350, 3500), 1, _clock);
        Assert.Equal(TimeSpan.Zero, bucket.TryTake());
        bucket.Throttled(TimeSpan.FromSeconds(7));
        Assert.Equal(TimeSpan.FromSeconds(7), bucket.TryTake());
        _clock.Advance(TimeSpan.FromSeconds(7));
        Assert.Equal(TimeSpan.Zero, bucket.TryTake());
    }

    [Fact]
    public void RateLimit_Remaining_lower_than_expected_spends_the_difference()
    {
        var bucket = new TokenBucket(new KlaviyoRateTier(1000, 150), 1, _clock);
        Assert.Equal(TimeSpan.Zero, bucket.TryTake());
        bucket.Observe(remaining: 9); // someone else used 140 of this minute
        Assert.Equal(9, TakeAll(bucket));
        bucket.Observe(remaining: 100); // more than expected: ignored
        Assert.NotEqual(TimeSpan.Zero, bucket.TryTake());
    }

    [Fact]
    public void A_time_scale_compresses_the_windows_like_the_emulator()
    {
        var bucket = new TokenBucket(new KlaviyoRateTier(10, 150), 60, _clock);
        Assert.True(bucket.SteadyWindow < TimeSpan.FromSeconds(1.1) && bucket.SteadyWindow >= TimeSpan.FromSeconds(1));
        Assert.Equal(10, TakeAll(bucket));
        _clock.Advance(bucket.BurstWindow);
        Assert.Equal(10, TakeAll(bucket));
    }

    [Fact]
    public async Task AcquireAsync_waits_on_the_clock_it_was_given()
    {
        var bucket = new TokenBucket(new KlaviyoRateTier(1, 60), 1, _clock);
        await bucket.AcquireAsync(CancellationToken.None);
        var second = bucket.AcquireAsync(CancellationToken.None).AsTask();
        Assert.False(second.IsCompleted);
        _clock.Advance(bucket.BurstWindow);
        await second.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
