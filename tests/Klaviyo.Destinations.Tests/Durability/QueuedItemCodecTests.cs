using System.Reflection;
using Klaviyo.Destinations.Mapping;

namespace Klaviyo.Destinations.Tests.Durability;

/// <summary>The one serializer of queued items: every property survives a restart, and damaged or newer records are refused.</summary>
public sealed class QueuedItemCodecTests
{
    /// <summary>Not in the record on purpose: queue columns (sequence, retry state) or process-local.</summary>
    private static readonly HashSet<string> s_notInRecord = ["Sequence", "Attempts", "NotBefore", "FirstTakenAt", "Ticket"];

    [Fact]
    public void Every_public_property_round_trips_so_a_new_one_cannot_be_forgotten()
    {
        var item = new QueuedItem { Kind = ItemKind.Event, MessageId = "x", UserKey = "k", Profile = [] };
        var properties = typeof(QueuedItem).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && !s_notInRecord.Contains(p.Name)).ToList();
        foreach (var property in properties) property.SetValue(item, Sample(property));

        var copy = QueuedItemCodec.Decode(QueuedItemCodec.Encode(item));

        foreach (var property in properties)
        {
            var expected = property.GetValue(item);
            var actual = property.GetValue(copy);
            if (expected is byte[] bytes) Assert.Equal(bytes, (byte[]?)actual);
            else if (expected is IReadOnlyList<MappingIssue> issues) Assert.Equal(issues, (IReadOnlyList<MappingIssue>?)actual);
            else Assert.True(Equals(expected, actual), $"QueuedItem.{property.Name} did not survive the queue record ({expected} → {actual}). Give it a tag in QueuedItemCodec.");
        }
    }

    /// <summary>A non-default value for each property type; a type not listed here fails the test until the codec and this test learn it.</summary>
    private static object? Sample(PropertyInfo property)
    {
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        return type switch
        {
            _ when type == typeof(string) => property.Name + " \ud800 lone surrogate, ünïcødé, 🎉",
            _ when type == typeof(byte[]) => new byte[] { (byte)'{', 0, 255, (byte)'}', (byte)property.Name.Length },
            _ when type == typeof(ItemKind) => ItemKind.Profile,
            _ when type == typeof(bool) => true,
            _ when type == typeof(double) => -1234.5678e10,
            _ when type == typeof(DateTimeOffset) => new DateTimeOffset(2026, 8, 3, 12, 34, 56, 789, TimeSpan.FromHours(-5)).AddTicks(property.Name.Length),
            _ when type == typeof(IReadOnlyList<MappingIssue>) => new[] { new MappingIssue("phone", "not E.164"), new MappingIssue("\udc00", "") },
            _ => throw new InvalidOperationException($"QueuedItem.{property.Name} has type {type}, which QueuedItemCodecTests does not know. Teach QueuedItemCodec (a new tag) and this test."),
        };
    }

    [Fact]
    public void A_minimal_item_round_trips_with_nulls_kept()
    {
        var item = new QueuedItem { Kind = ItemKind.Profile, MessageId = "m", UserKey = "u", Profile = "{}"u8.ToArray() };
        var copy = QueuedItemCodec.Decode(QueuedItemCodec.Encode(item));
        Assert.Equal((ItemKind.Profile, "m", "u", (string?)null, (byte[]?)null, (double?)null, (DateTimeOffset?)null), (copy.Kind, copy.MessageId, copy.UserKey, copy.UserId, copy.Properties, copy.Value, copy.Time));
        Assert.Empty(copy.Warnings);
    }

    [Fact]
    public void Unknown_optional_fields_are_skipped_but_unknown_essential_fields_newer_versions_and_damage_are_refused()
    {
        var record = QueuedItemCodec.Encode(new QueuedItem { Kind = ItemKind.Event, MessageId = "m", UserKey = "u", Profile = "{}"u8.ToArray() });
        byte[] With(byte tag) => [.. record[..^1], tag, 2, 7, 7, 0];

        Assert.Equal("m", QueuedItemCodec.Decode(With(100)).MessageId);
        Assert.Contains("does not understand", Assert.Throws<FormatException>(() => QueuedItemCodec.Decode(With(255))).Message);
        Assert.Contains("version", Assert.Throws<FormatException>(() => QueuedItemCodec.Decode([2, .. record[1..]])).Message);
        Assert.Throws<FormatException>(() => QueuedItemCodec.Decode(record[..^3]));
        Assert.Throws<FormatException>(() => QueuedItemCodec.Decode([]));
    }
    [Fact]
    public void The_trace_context_survives_and_records_without_it_still_decode()
    {
        var context = new System.Diagnostics.ActivityContext(System.Diagnostics.ActivityTraceId.CreateRandom(), System.Diagnostics.ActivitySpanId.CreateRandom(), System.Diagnostics.ActivityTraceFlags.Recorded);
        var item = new QueuedItem { Kind = ItemKind.Event, MessageId = "m", UserKey = "k", Profile = "{}"u8.ToArray(), Metric = "Viewed", TraceContext = context };

        Assert.Equal(context, QueuedItemCodec.Decode(QueuedItemCodec.Encode(item)).TraceContext);

        // A record of an item without a context is exactly what versions before the field wrote: it decodes, with none.
        var old = QueuedItemCodec.Encode(new QueuedItem { Kind = ItemKind.Event, MessageId = "m", UserKey = "k", Profile = "{}"u8.ToArray(), Metric = "Viewed" });
        Assert.True(QueuedItemCodec.Encode(item).Length > old.Length + 50);
        var decoded = QueuedItemCodec.Decode(old);
        Assert.Equal(default, decoded.TraceContext);
        Assert.Equal("Viewed", decoded.Metric);

        // A damaged traceparent costs the link, never the item.
        var damaged = QueuedItemCodec.Encode(item);
        var at = damaged.AsSpan().IndexOf("00-"u8);
        damaged[at + 5] = (byte)'z';
        var kept = QueuedItemCodec.Decode(damaged);
        Assert.Equal(default, kept.TraceContext);
        Assert.Equal("Viewed", kept.Metric);
    }
}
