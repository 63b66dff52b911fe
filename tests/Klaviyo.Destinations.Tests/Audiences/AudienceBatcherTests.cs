using System.Text;
using Microsoft.Extensions.Time.Testing;

namespace Klaviyo.Destinations.Tests.Audiences;

/// <summary>Batch forming for audience updates under a fake clock: their own lane and policy, order after the person's profile, netting.</summary>
public sealed class AudienceBatcherTests
{
    private static readonly BatchPolicy s_policy = new(FlushCount: 1000, FlushInterval: TimeSpan.FromSeconds(1), FlushBytes: 4_000_000, SingleOnly: false);
    private static readonly BatchPolicy s_audiences = new(FlushCount: 100, FlushInterval: TimeSpan.FromHours(16), FlushBytes: long.MaxValue, SingleOnly: false);
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 8, 3, 12, 0, 0, TimeSpan.Zero));
    private int _next;

    private PendingItem Item(ItemKind kind, string user, string? audience = null, string? listId = null) =>
        PendingItem.Create(new QueuedItem
        {
            Kind = kind,
            MessageId = $"m-{++_next}",
            UserKey = user,
            Profile = Encoding.UTF8.GetBytes($"{{\"email\":\"{user}@example.com\"}}"),
            Properties = kind == ItemKind.Event ? "{}"u8.ToArray() : null,
            Metric = kind == ItemKind.Event ? "Viewed" : null,
            UniqueId = kind == ItemKind.Event ? $"e-{_next}" : null,
            Audience = audience,
            ListId = listId,
        }, _clock.GetUtcNow());

    [Fact]
    public void An_audience_update_waits_for_the_persons_profile_but_never_holds_back_their_events()
    {
        var batcher = new Batcher(s_policy, s_audiences);
        var now = _clock.GetUtcNow();
        batcher.Add(Item(ItemKind.Profile, "ada"), now);
        batcher.Add(Item(ItemKind.AddToList, "ada", "VIP", "L1"), now);
        batcher.Add(Item(ItemKind.Event, "ada"), now);

        var profile = Assert.Single(batcher.TakeDue(now, force: true, max: 8));
        Assert.Equal(KlaviyoEndpoint.ProfileImport, profile.Endpoint);
        Assert.Empty(batcher.TakeDue(now, force: true, max: 8)); // the list change waits for the profile's answer
        batcher.Release(profile, now);

        // the event leaves after its interval; the audience update keeps waiting for its own 16-hour window
        _clock.Advance(TimeSpan.FromSeconds(1));
        var events = Assert.Single(batcher.TakeDue(_clock.GetUtcNow(), force: false, max: 8));
        Assert.Equal(KlaviyoEndpoint.Events, events.Endpoint);
        batcher.Release(events, _clock.GetUtcNow());
        Assert.Equal(now + TimeSpan.FromHours(16), batcher.NextDue);
        _clock.Advance(TimeSpan.FromHours(16));
        var list = Assert.Single(batcher.TakeDue(_clock.GetUtcNow(), force: false, max: 8));
        Assert.Equal(KlaviyoEndpoint.ListAdd, list.Endpoint);
    }

    [Fact]
    public void Updates_of_one_person_and_list_net_to_the_last_one_and_each_list_is_its_own_request()
    {
        var batcher = new Batcher(s_policy, s_audiences);
        var now = _clock.GetUtcNow();
        var superseded = new List<PendingItem>();
        void Add(PendingItem item)
        {
            if (batcher.Add(item, now) is { } old) superseded.Add(old);
        }
        Add(Item(ItemKind.AddToList, "ada", "VIP", "L1"));
        Add(Item(ItemKind.AddToList, "bob", "VIP", "L1"));
        Add(Item(ItemKind.AddToList, "ada", "Churn", "L2"));
        Add(Item(ItemKind.RemoveFromList, "ada", "VIP", "L1"));
        Assert.Single(superseded);
        Assert.Equal(3, batcher.Pending);

        var first = batcher.TakeDue(now, force: true, max: 8);
        Assert.Equal([(KlaviyoEndpoint.ListAdd, 1), (KlaviyoEndpoint.ListAdd, 1)], first.Select(b => (b.Endpoint, b.Count)).OrderBy(b => b.Count));
        Assert.Equal(["L1", "L2"], first.Select(b => b.ListId).Order());
        foreach (var batch in first) batcher.Release(batch, now);
        var removal = Assert.Single(batcher.TakeDue(now, force: true, max: 8));
        Assert.Equal(KlaviyoEndpoint.ListRemove, removal.Endpoint);
    }

    [Fact]
    public void A_hundred_waiting_updates_for_one_list_leave_at_once_in_one_request()
    {
        var batcher = new Batcher(s_policy, s_audiences);
        var now = _clock.GetUtcNow();
        for (var i = 0; i < 99; i++) batcher.Add(Item(ItemKind.AddToList, $"u{i}", "VIP", "L1"), now);
        Assert.Empty(batcher.TakeDue(now, force: false, max: 8));
        batcher.Add(Item(ItemKind.AddToList, "u99", "VIP", "L1"), now);
        Assert.Equal(100, Assert.Single(batcher.TakeDue(now, force: false, max: 8)).Count);
    }
}
