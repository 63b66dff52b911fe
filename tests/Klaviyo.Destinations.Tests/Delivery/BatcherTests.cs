using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;

namespace Klaviyo.Destinations.Tests.Delivery;

/// <summary>Batch forming under a fake clock: flush policies, per-user order, Klaviyo's limits, exact bodies and error pointers.</summary>
public sealed class BatcherTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 8, 3, 12, 0, 0, TimeSpan.Zero));
    private int _next;

    private static readonly BatchPolicy s_policy = new(FlushCount: 1000, FlushInterval: TimeSpan.FromSeconds(1), FlushBytes: 4_000_000, SingleOnly: false);

    private PendingItem Profile(string user, string extra = "\"first_name\":\"Ada\"") =>
        PendingItem.Create(new QueuedItem
        {
            Kind = ItemKind.Profile,
            MessageId = $"m-{++_next}",
            UserKey = user,
            Profile = Encoding.UTF8.GetBytes($"{{\"external_id\":\"{user}\",{extra}}}"),
        }, _clock.GetUtcNow());

    private PendingItem Event(string user, string? uniqueId = null, string metric = "Viewed Product", int padding = 0) =>
        PendingItem.Create(new QueuedItem
        {
            Kind = ItemKind.Event,
            MessageId = $"m-{++_next}",
            UserKey = user,
            Profile = Encoding.UTF8.GetBytes($"{{\"external_id\":\"{user}\"}}"),
            Properties = Encoding.UTF8.GetBytes($"{{\"pad\":\"{new string('x', padding)}\"}}"),
            Metric = metric,
            UniqueId = uniqueId ?? $"e-{_next}",
        }, _clock.GetUtcNow());

    [Fact]
    public void Items_wait_for_the_interval_then_leave_together()
    {
        var batcher = new Batcher(s_policy);
        for (var i = 0; i < 5; i++) batcher.Add(Event($"u{i}"), _clock.GetUtcNow());
        Assert.Empty(batcher.TakeDue(_clock.GetUtcNow(), force: false, max: 8));
        Assert.Equal(_clock.GetUtcNow().AddSeconds(1), batcher.NextDue);
        _clock.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Empty(batcher.TakeDue(_clock.GetUtcNow(), force: false, max: 8));
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        var batch = Assert.Single(batcher.TakeDue(_clock.GetUtcNow(), force: false, max: 8));
        Assert.Equal(KlaviyoEndpoint.EventBulkCreate, batch.Endpoint);
        Assert.Equal(5, batch.Count);
        Assert.Equal(5, batch.EntryStarts.Count);
    }

    [Fact]
    public void The_count_policy_sends_full_batches_at_once_and_keeps_the_rest_for_the_interval()
    {
        var batcher = new Batcher(s_policy with { FlushCount = 100 });
        for (var i = 0; i < 250; i++) batcher.Add(Profile($"u{i}"), _clock.GetUtcNow());
        var batches = batcher.TakeDue(_clock.GetUtcNow(), force: false, max: 8);
        // the first batch takes all ready profiles (a job holds up to 10,000)
        Assert.Equal([250], batches.Select(b => b.Count));
        Assert.Equal(KlaviyoEndpoint.ProfileBulkImport, batches[0].Endpoint);
    }

    [Fact]
    public void Bulk_forwarding_defaults_are_mParticles_100_items_or_16_hours()
    {
        var options = new KlaviyoDestinationOptions { QueueStorage = QueueStorage.Memory, ApiKey = "pk_x", DeliveryMode = DeliveryMode.BulkForwarding };
        var policy = BatchPolicy.From(options, bulkSupported: true);
        Assert.Equal(100, policy.FlushCount);
        Assert.Equal(TimeSpan.FromHours(16), policy.FlushInterval);
        var batcher = new Batcher(policy);
        for (var i = 0; i < 99; i++) batcher.Add(Event($"u{i}"), _clock.GetUtcNow());
        _clock.Advance(TimeSpan.FromHours(15));
        Assert.Empty(batcher.TakeDue(_clock.GetUtcNow(), force: false, max: 8));
        batcher.Add(Event("u-100"), _clock.GetUtcNow());
        Assert.Equal(100, Assert.Single(batcher.TakeDue(_clock.GetUtcNow(), force: false, max: 8)).Count);
    }

    [Fact]
    public void A_users_next_item_waits_until_their_batch_finished()
    {
        var batcher = new Batcher(s_policy);
        batcher.Add(Profile("ada"), _clock.GetUtcNow());
        batcher.Add(Event("ada"), _clock.GetUtcNow());
        batcher.Add(Event("ada"), _clock.GetUtcNow());
        batcher.Add(Profile("bob"), _clock.GetUtcNow());
        var first = batcher.TakeDue(_clock.GetUtcNow(), force: true, max: 8);
        var profiles = Assert.Single(first);
        Assert.Equal(["ada", "bob"], profiles.Items.Select(i => i.Item.UserKey));
        Assert.Empty(batcher.TakeDue(_clock.GetUtcNow(), force: true, max: 8)); // ada's events wait for her profile

        batcher.Release(profiles, _clock.GetUtcNow());
        var events = Assert.Single(batcher.TakeDue(_clock.GetUtcNow(), force: true, max: 8));
        Assert.Equal(KlaviyoEndpoint.EventBulkCreate, events.Endpoint);
        Assert.Equal(2, events.Count);
        Assert.Equal([0], events.EntryStarts); // one entry: ada's profile with both events
    }

    [Fact]
    public void A_profile_that_clears_a_field_goes_alone_to_profile_import()
    {
        var batcher = new Batcher(s_policy);
        batcher.Add(Profile("ada"), _clock.GetUtcNow());
        batcher.Add(Profile("bob", "\"first_name\":null"), _clock.GetUtcNow());
        batcher.Add(Profile("cy"), _clock.GetUtcNow());
        var batches = new List<Batch>();
        for (var round = 0; round < 3; round++) batches.AddRange(batcher.TakeDue(_clock.GetUtcNow(), force: true, max: 8));
        Assert.Contains(batches, b => b.Endpoint == KlaviyoEndpoint.ProfileImport && b.Items[0].Item.UserKey == "bob");
        Assert.DoesNotContain(batches, b => b.IsBulk && b.Items.Any(i => i.Item.UserKey == "bob"));
        Assert.Equal(3, batches.Sum(b => b.Count));
    }

    [Fact]
    public void Batches_hold_at_most_1000_events_and_5_MB_measured_on_the_encoded_body()
    {
        var batcher = new Batcher(s_policy);
        for (var i = 0; i < 2500; i++) batcher.Add(Event($"u{i % 50}"), _clock.GetUtcNow());
        for (var i = 0; i < 40; i++) batcher.Add(Event($"big{i}", padding: 200_000), _clock.GetUtcNow());
        var batches = new List<Batch>();
        List<Batch> taken;
        while ((taken = batcher.TakeDue(_clock.GetUtcNow(), force: true, max: 8)).Count > 0)
        {
            foreach (var batch in taken)
            {
                var body = BatchComposer.Compose(batch);
                Assert.True(batch.Count <= 1000);
                Assert.True(body.Length <= BatchComposer.MaxBodyBytes, $"{body.Length} bytes");
                JsonNode.Parse(body); // well-formed
                batches.Add(batch);
                batcher.Release(batch, _clock.GetUtcNow());
            }
        }
        Assert.Equal(2540, batches.Sum(b => b.Count));
        Assert.Contains(batches, b => b.Count == 1000);
    }

    [Fact]
    public void A_repeated_unique_id_of_one_user_goes_into_the_next_request()
    {
        var batcher = new Batcher(s_policy);
        batcher.Add(Event("ada", "order-1", "Placed Order"), _clock.GetUtcNow());
        batcher.Add(Event("ada", "order-1", "Placed Order"), _clock.GetUtcNow());
        var first = Assert.Single(batcher.TakeDue(_clock.GetUtcNow(), force: true, max: 8));
        Assert.Equal(1, first.Count);
        Assert.Equal(KlaviyoEndpoint.Events, first.Endpoint);
        batcher.Release(first, _clock.GetUtcNow());
        Assert.Single(Assert.Single(batcher.TakeDue(_clock.GetUtcNow(), force: true, max: 8)).Items);
    }

    [Fact]
    public void Event_bulk_bodies_group_events_per_profile_in_the_schemas_shape()
    {
        var items = new List<PendingItem> { Event("ada"), Event("ada"), Event("bob") };
        var batch = new Batch(KlaviyoEndpoint.EventBulkCreate, items);
        var body = JsonNode.Parse(BatchComposer.Compose(batch))!;
        Assert.Equal("event-bulk-create-job", (string?)body["data"]!["type"]);
        var entries = body["data"]!["attributes"]!["events-bulk-create"]!["data"]!.AsArray();
        Assert.Equal(2, entries.Count);
        Assert.Equal("event-bulk-create", (string?)entries[0]!["type"]);
        Assert.Equal("ada", (string?)entries[0]!["attributes"]!["profile"]!["data"]!["attributes"]!["external_id"]);
        Assert.Equal(2, entries[0]!["attributes"]!["events"]!["data"]!.AsArray().Count);
        Assert.Null(entries[0]!["attributes"]!["events"]!["data"]![0]!["attributes"]!["profile"]);
        Assert.Equal("Viewed Product", (string?)entries[1]!["attributes"]!["events"]!["data"]![0]!["attributes"]!["metric"]!["data"]!["attributes"]!["name"]);
    }

    [Theory]
    [InlineData("/data/attributes/events-bulk-create/data/1/attributes/events/data/0/attributes/time", new[] { 2 }, "/data/attributes/time")]
    [InlineData("/data/attributes/events-bulk-create/data/0/attributes/events/data/1/attributes/unique_id", new[] { 1 }, "/data/attributes/unique_id")]
    [InlineData("/data/attributes/events-bulk-create/data/0/attributes/profile/data/attributes/email", new[] { 0, 1 }, "/data/attributes/profile/data/attributes/email")]
    [InlineData("/data/attributes/events-bulk-create/data/7/attributes/events/data/0/attributes/time", new int[0], null)]
    [InlineData("/data", new int[0], null)]
    public void Error_pointers_of_an_event_job_name_the_item_and_read_like_the_single_endpoints(string pointer, int[] expected, string? field)
    {
        var batch = new Batch(KlaviyoEndpoint.EventBulkCreate, [Event("ada"), Event("ada"), Event("bob")]);
        var (items, mapped) = BatchComposer.Locate(batch, pointer);
        Assert.Equal(expected, items);
        if (expected.Length > 0) Assert.Equal(field, mapped);
    }

    [Fact]
    public void Error_pointers_of_a_profile_job_name_the_row()
    {
        var batch = new Batch(KlaviyoEndpoint.ProfileBulkImport, Enumerable.Range(0, 20).Select(i => Profile($"u{i}")).ToList());
        var (items, field) = BatchComposer.Locate(batch, "/data/attributes/profiles/data/12/attributes/email");
        Assert.Equal([12], items);
        Assert.Equal("/data/attributes/email", field);
    }

    [Fact]
    public void Profile_bulk_bodies_splice_the_rows_and_measure_them_exactly()
    {
        var items = Enumerable.Range(0, 3).Select(i => Profile($"u{i}")).ToList();
        var batch = new Batch(KlaviyoEndpoint.ProfileBulkImport, items);
        var bytes = BatchComposer.Compose(batch);
        var expected = BatchComposer.EnvelopeSize(ItemKind.Profile) + items.Select((p, i) => BatchComposer.Growth(i == 0 ? null : items[i - 1], p)).Sum();
        Assert.Equal(expected, bytes.Length);
        var rows = JsonNode.Parse(bytes)!["data"]!["attributes"]!["profiles"]!["data"]!.AsArray();
        Assert.Equal(["u0", "u1", "u2"], rows.Select(r => (string?)r!["attributes"]!["external_id"]));
        Assert.All(rows, r => Assert.Equal("profile", (string?)r!["type"]));
    }

    [Fact]
    public void A_revision_past_its_stable_year_is_noticed()
    {
        Assert.Null(RevisionCheck.DaysPastRelease(KlaviyoApi.Revision, new DateTimeOffset(2027, 7, 1, 0, 0, 0, TimeSpan.Zero)));
        Assert.NotNull(RevisionCheck.DaysPastRelease(KlaviyoApi.Revision, new DateTimeOffset(2027, 7, 16, 0, 0, 0, TimeSpan.Zero)));
        Assert.Null(RevisionCheck.DaysPastRelease("garbage", DateTimeOffset.UtcNow));
    }
}
