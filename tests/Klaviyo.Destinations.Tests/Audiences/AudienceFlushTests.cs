using Klaviyo.Destinations.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Klaviyo.Destinations.Tests.Audiences;

/// <summary>Bulk forwarding of audience updates (mParticle's defaults: 100 items or 16 hours) against the emulator.</summary>
public sealed class AudienceFlushTests
{
    [Fact]
    public async Task Audience_updates_wait_16_hours_then_leave_together()
    {
        var clock = new TimerWatchingTimeProvider(new FakeTimeProvider(new DateTimeOffset(2026, 8, 3, 12, 0, 0, TimeSpan.Zero)));
        await using var h = await AudienceHarness.StartAsync(clock.Clock);
        var delivered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var count = 0;
        h.OnOutcome = _ => { if (Interlocked.Increment(ref count) == 3) delivered.TrySetResult(); };
        await using var analytics = h.Client(clock: clock);

        var armed = clock.WhenArmedAsync(TimeSpan.FromHours(15));
        for (var i = 0; i < 3; i++) analytics.AudienceEntered($"u-{i}", "VIP", AudienceHarness.Email($"p{i}@example.com"));
        await armed; // the sender holds the updates and scheduled their flush

        clock.Clock.Advance(TimeSpan.FromHours(15) + TimeSpan.FromMinutes(59));
        Assert.Equal(0, h.Klaviyo.Counters.Snapshot().Values.Sum(s => s.Values.Sum()));
        Assert.Equal(3, analytics.Destination.Pending);

        clock.Clock.Advance(TimeSpan.FromMinutes(1));
        await delivered.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.All(h.Outcomes, o => Assert.Equal(DeliveryStatus.Delivered, o.Status));
        Assert.Equal(3, h.Members(AudienceHarness.Vip).Count);
        Assert.Equal(1, h.Requests("POST /api/lists/{id}/relationships/profiles"));
        Assert.Equal(1, h.Requests("GET /api/profiles"));
    }

    [Fact]
    public async Task The_hundredth_audience_update_sends_the_batch_at_once()
    {
        await using var h = await AudienceHarness.StartAsync();
        await using (var setup = h.Client())
        {
            for (var i = 0; i < 100; i++) setup.Identify($"u-{i}", AudienceHarness.Email($"p{i}@example.com"));
            await AudienceHarness.FlushAsync(setup);
        }
        var delivered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var count = 0;
        h.OnOutcome = o => { if (o.Kind == ItemKind.AddToList && Interlocked.Increment(ref count) == 100) delivered.TrySetResult(); };
        await using var analytics = h.Client();
        for (var i = 0; i < 100; i++) analytics.AudienceEntered($"u-{i}", "VIP", AudienceHarness.Email($"p{i}@example.com"));
        await delivered.Task.WaitAsync(TimeSpan.FromSeconds(20)); // no FlushAsync: the count policy sent it

        Assert.Equal(100, h.Members(AudienceHarness.Vip).Count);
        var call = Assert.Single(h.Handler.Exchanges, e => e.Method == "POST" && e.Path.StartsWith("/api/lists/", StringComparison.Ordinal));
        Assert.Equal(100, call.Request!["data"]!.AsArray().Count);
        Assert.Equal(1, h.Requests("GET /api/profiles")); // 100 emails, one look-up (profiles came from a bulk import: no ids yet)
        Assert.All(h.Outcomes, o => Assert.Equal(DeliveryStatus.Delivered, o.Status));
    }
}
