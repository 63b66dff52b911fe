using System.Collections.Concurrent;
using System.Text.Json;
using Klaviyo.Emulator;
using Xunit.Abstractions;

namespace Klaviyo.Destinations.Tests.Durability;

/// <summary>
/// 10,000 generated calls, half of them malformed in every way a caller can manage (nulls, NaN/Infinity, huge strings,
/// deep nesting, lone surrogates, wrong types, 1,000 properties, oversize payloads) through dictionaries, JSON and
/// typed models, mixed with valid ones, through the durable queue: nothing throws at the caller, every bad call gets a
/// reason (a rejection, or a warning naming the field left out), and every valid call arrives in Klaviyo.
/// </summary>
public sealed class AbuseTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private KlaviyoEmulator _klaviyo = null!;

    public async Task InitializeAsync() => _klaviyo = await KlaviyoEmulator.StartAsync(new KlaviyoEmulatorOptions { Port = 0, RateLimitsEnabled = false });

    public async Task DisposeAsync()
    {
        await _klaviyo.DisposeAsync();
        _dir.Dispose();
    }

    private static readonly string[] s_kinds =
    [
        "no identity", "NaN", "Infinity", "huge string", "deep nesting", "lone surrogate name", "wrong type email", "1000 properties",
        "json array", "empty name", "ancient time", "typed NaN", "typed huge", "null properties value type",
    ];

    [Fact]
    public async Task Malformed_calls_never_throw_each_gets_a_reason_and_every_valid_call_is_delivered()
    {
        var outcomes = new ConcurrentDictionary<string, ConcurrentQueue<DeliveryOutcome>>();
        var options = new KlaviyoDestinationOptions
        {
            ApiKey = "pk_abuse",
            BaseUrl = _klaviyo.BaseAddress,
            QueuePath = _dir.File("queue.db"),
            FlushInterval = TimeSpan.FromMilliseconds(50),
            RetryBaseDelay = TimeSpan.FromMilliseconds(5),
            MaxRetryDelay = TimeSpan.FromMilliseconds(50),
            OnOutcome = o => outcomes.GetOrAdd(o.MessageId, _ => new()).Enqueue(o),
        };
        var random = new Random(42);
        var bad = new Dictionary<string, string>();
        var valid = new List<string>();
        await using (var analytics = new Analytics(options))
        {
            for (var i = 0; i < 10_000; i++)
            {
                var id = $"abuse-{i}";
                var user = $"user-{i % 97}";
                var messageOptions = new MessageOptions { MessageId = id };
                if (i % 2 == 0)
                {
                    valid.Add(id);
                    switch (i / 2 % 3)
                    {
                        case 0: analytics.Track(user, "Abuse Valid", new Dictionary<string, object?> { ["n"] = i, ["tag"] = "ok" }, messageOptions); break;
                        case 1: analytics.Track(user, "Abuse Valid", JsonDocument.Parse("{\"n\":" + i + ",\"nested\":{\"a\":[1,2,3]}}").RootElement, messageOptions); break;
                        default: analytics.Track(user, new AbuseEvent("fine", i, "note"), messageOptions); break;
                    }
                    continue;
                }
                // A 6 MB payload travels to Klaviyo and back as a 413, so only a few of those.
                var kind = i % 2_000 == 1 ? "oversize payload" : s_kinds[i / 2 % s_kinds.Length];
                bad[id] = kind;
                switch (kind)
                {
                    case "no identity": analytics.Track(null, "Abuse Bad", new Dictionary<string, object?> { ["n"] = i }, messageOptions); break;
                    case "NaN": analytics.Track(user, "Abuse Bad", new Dictionary<string, object?> { ["v"] = double.NaN }, messageOptions); break;
                    case "Infinity": analytics.Track(user, "Abuse Bad", new Dictionary<string, object?> { ["v"] = double.PositiveInfinity, ["w"] = float.NegativeInfinity }, messageOptions); break;
                    case "huge string": analytics.Track(user, "Abuse Bad", new Dictionary<string, object?> { ["s"] = new string('h', 150_000) }, messageOptions); break;
                    case "deep nesting": analytics.Track(user, "Abuse Bad", new Dictionary<string, object?> { ["d"] = Nest(200) }, messageOptions); break;
                    case "lone surrogate name": analytics.Track(user, "Abuse \ud800 Bad", new Dictionary<string, object?> { ["s"] = "x\udc00y" }, messageOptions); break;
                    case "wrong type email": analytics.Identify(user, new Dictionary<string, object?> { ["email"] = 42, ["phone"] = new[] { 1, 2 } }, messageOptions); break;
                    case "1000 properties": analytics.Track(user, "Abuse Bad", Enumerable.Range(0, 1_000).ToDictionary(k => $"p{k}", k => (object?)k), messageOptions); break;
                    case "oversize payload": analytics.Track(user, "Abuse Bad", Enumerable.Range(0, 60).ToDictionary(k => $"big{k}", _ => (object?)new string('o', 99_000)), messageOptions); break;
                    case "json array": analytics.Track(user, "Abuse Bad", JsonDocument.Parse("[1,2,3]").RootElement, messageOptions); break;
                    case "empty name": analytics.Track(user, new string(' ', random.Next(0, 3)), new Dictionary<string, object?> { ["n"] = i }, messageOptions); break;
                    case "ancient time": analytics.Track(user, "Abuse Bad", new Dictionary<string, object?> { ["n"] = i }, new MessageOptions { MessageId = id, Timestamp = new DateTimeOffset(1970, 1, 1, 0, 0, 0, TimeSpan.Zero) }); break;
                    case "typed NaN": analytics.Track(user, new AbuseEvent("nan", double.NaN, null), messageOptions); break;
                    case "typed huge": analytics.Track(user, new AbuseEvent(new string('t', 200_000), 1, new string('u', 200_000)), messageOptions); break;
                    default: analytics.Track(user, "Abuse Bad", new Dictionary<string, object?> { ["when"] = DateTime.MinValue, ["self"] = new object(), ["ptr"] = IntPtr.Zero }, messageOptions); break;
                }
            }
            await analytics.FlushAsync();
        }

        var delivered = _klaviyo.State.Events.Select(e => e.UniqueId).ToHashSet();
        Assert.All(valid, id => Assert.True(delivered.Contains(id), $"valid call {id} did not arrive"));
        Assert.All(valid, id => Assert.All(outcomes[id], o => Assert.Equal(DeliveryStatus.Delivered, o.Status)));
        var silent = new List<string>();
        foreach (var (id, kind) in bad)
        {
            Assert.True(outcomes.TryGetValue(id, out var list), $"{kind} ({id}) got no outcome");
            var reasoned = list.Any(o => o.Status == DeliveryStatus.Rejected && !string.IsNullOrEmpty(o.Reason) || o.Warnings.Count > 0);
            if (!reasoned) silent.Add(kind);
        }
        foreach (var group in bad.GroupBy(b => b.Value))
        {
            var sample = outcomes[group.First().Key].First();
            output.WriteLine($"{group.Key}: {sample.Status} {sample.Reason ?? string.Join("; ", sample.Warnings.Select(w => w.Field + ": " + w.Reason))}");
        }
        Assert.Empty(silent.Distinct());
    }

    private static Dictionary<string, object?> Nest(int depth)
    {
        var root = new Dictionary<string, object?>();
        var current = root;
        for (var d = 0; d < depth; d++)
        {
            var next = new Dictionary<string, object?>();
            current["n"] = next;
            current = next;
        }
        return root;
    }
}
