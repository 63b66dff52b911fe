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

    [Fact]
    public void A_request_in_flight_counts_in_every_window_until_its_answer_then_for_one_window()
    {
        var bucket = new TokenBucket(new KlaviyoRateTier(2, 100), 1, _clock);
        Assert.Equal(TimeSpan.Zero, bucket.TryTake(tracked: true, out var held));
        Assert.Equal(TimeSpan.Zero, bucket.TryTake(tracked: true, out var answered));
        Assert.True(held > 0 && answered > 0 && held != answered);
        bucket.Finished(answered, counted: true);

        // The answered slot comes back one window after its answer; the one still in flight (a request held back by a cold
        // start or a busy machine, which Klaviyo may count only now) keeps counting, window after window.
        _clock.Advance(bucket.BurstWindow);
        Assert.Equal(TimeSpan.Zero, bucket.TryTake());
        Assert.NotEqual(TimeSpan.Zero, bucket.TryTake());
        _clock.Advance(bucket.BurstWindow * 3);
        Assert.Equal(1, bucket.Available);
        Assert.Equal(TimeSpan.Zero, bucket.TryTake());
        var wait = bucket.TryTake();
        Assert.True(wait > TimeSpan.Zero && wait <= bucket.BurstWindow, $"wait {wait}");

        // Its answer arrives: it counts for one more window from now, then its token is free.
        bucket.Finished(held, counted: true);
        _clock.Advance(bucket.BurstWindow - TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, bucket.Available);
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(2, bucket.Available);
    }

    [Fact]
    public void A_request_refused_with_429_gives_its_slot_back_at_once_and_a_slot_ends_only_once()
    {
        var bucket = new TokenBucket(new KlaviyoRateTier(2, 100), 1, _clock);
        Assert.Equal(TimeSpan.Zero, bucket.TryTake(tracked: true, out var refused));
        Assert.Equal(TimeSpan.Zero, bucket.TryTake(tracked: true, out var accepted));
        Assert.NotEqual(TimeSpan.Zero, bucket.TryTake());

        // Klaviyo did not count the refused request: its slot is free again in both tiers, without waiting a window.
        bucket.Finished(refused, counted: false);
        Assert.Equal(1, bucket.Available);
        // A slot ended twice, or one never handed out, changes nothing.
        bucket.Finished(refused, counted: false);
        bucket.Finished(accepted, counted: true);
        bucket.Finished(accepted, counted: false);
        bucket.Finished(12345, counted: false);
        Assert.Equal(1, bucket.Available);
        Assert.Equal(TimeSpan.Zero, bucket.TryTake());
        Assert.NotEqual(TimeSpan.Zero, bucket.TryTake());
    }

    [Fact]
    public async Task The_sender_s_slots_are_tracked_and_wait_on_the_clock_it_was_given()
    {
        IEndpointBudget bucket = new TokenBucket(new KlaviyoRateTier(1, 60), 1, _clock);
        var first = await bucket.AcquireSlotAsync(CancellationToken.None);
        Assert.True(first > 0);
        // The first request is still in flight: two windows later the second still waits…
        _clock.Advance(((TokenBucket)bucket).BurstWindow * 2);
        var second = bucket.AcquireSlotAsync(CancellationToken.None).AsTask();
        Assert.False(second.IsCompleted);
        // …until one window after the first one's answer.
        bucket.Finished(first, counted: true);
        _clock.Advance(((TokenBucket)bucket).BurstWindow);
        Assert.True(await second.WaitAsync(TimeSpan.FromSeconds(30)) > first);
    }

    [Fact]
    public void Requests_held_back_after_their_slot_never_make_one_of_Klaviyo_s_windows_hold_more_than_the_tier()
    {
        // A simulation on the fake clock: sixteen senders take slots; the first burst's requests are held back 1.2 s between
        // their slots and their arrival at Klaviyo (a cold process: first connections, code running for the first time),
        // later ones 30 ms, and one in five of those 1.5 s (a busy machine); the answer comes 20 ms after the arrival.
        // Klaviyo counts arrivals in fixed windows, which may start anywhere: every second and every minute that starts at
        // an arrival must hold at most the tier.
        var tier = new KlaviyoRateTier(10, 150);
        var bucket = new TokenBucket(tier, 1, _clock);
        var start = _clock.GetUtcNow();
        var events = new PriorityQueue<(int Sender, long Slot, bool Answer), DateTimeOffset>();
        for (var sender = 0; sender < 16; sender++) events.Enqueue((sender, 0, false), start);
        var arrivals = new List<DateTimeOffset>();
        var requests = 0;
        while (arrivals.Count < 1_500)
        {
            events.TryDequeue(out var e, out var at);
            if (at > _clock.GetUtcNow()) _clock.SetUtcNow(at);
            if (e.Answer)
            {
                bucket.Finished(e.Slot, counted: true);
                events.Enqueue((e.Sender, 0, false), at);
                continue;
            }
            var wait = bucket.TryTake(tracked: true, out var slot);
            if (wait > TimeSpan.Zero)
            {
                events.Enqueue(e, at + wait);
                continue;
            }
            var late = requests < tier.PerSecond ? TimeSpan.FromSeconds(1.2) : requests % 5 == 0 ? TimeSpan.FromSeconds(1.5) : TimeSpan.FromMilliseconds(30);
            requests++;
            arrivals.Add(at + late);
            events.Enqueue((e.Sender, slot, true), at + late + TimeSpan.FromMilliseconds(20));
        }
        arrivals.Sort();
        Assert.True(MostInAnyWindow(arrivals, TimeSpan.FromSeconds(1)) <= tier.PerSecond, $"{MostInAnyWindow(arrivals, TimeSpan.FromSeconds(1))} arrivals in one second");
        Assert.True(MostInAnyWindow(arrivals, TimeSpan.FromMinutes(1)) <= tier.PerMinute, $"{MostInAnyWindow(arrivals, TimeSpan.FromMinutes(1))} arrivals in one minute");
        // And the steady tier is still used: close to 150 a minute over eight minutes.
        var inEight = arrivals.Count(t => t < arrivals[0].AddMinutes(8));
        Assert.InRange(inEight, 8 * tier.PerMinute * 0.9, 8 * tier.PerMinute);
    }

    private static int MostInAnyWindow(List<DateTimeOffset> sorted, TimeSpan window)
    {
        var most = 0;
        for (int first = 0, last = 0; first < sorted.Count; first++)
        {
            while (last < sorted.Count && sorted[last] < sorted[first] + window) last++;
            most = Math.Max(most, last - first);
        }
        return most;
    }
}
