using Klaviyo.Emulator;
using Xunit.Abstractions;

namespace Klaviyo.Destinations.Tests.Durability;

/// <summary>
/// A child process streams events through the durable queue into the emulator and is killed with SIGKILL at a random
/// moment; a new process on the same queue path drains it. Every event the child reported durable must then be in
/// Klaviyo exactly once, in order per person. A few runs normally; 20 with <c>KLAVIYO_LONG_TESTS=1</c>.
/// </summary>
public sealed class CrashTests(ITestOutputHelper output) : IAsyncLifetime
{
    private KlaviyoEmulator _klaviyo = null!;

    public async Task InitializeAsync() => _klaviyo = await KlaviyoEmulator.StartAsync(new KlaviyoEmulatorOptions { Port = 0, RateLimitsEnabled = false });

    public async Task DisposeAsync() => await _klaviyo.DisposeAsync();

    private static bool LongMode => Environment.GetEnvironmentVariable("KLAVIYO_LONG_TESTS") == "1";

    [Fact]
    public async Task Every_event_reported_durable_before_a_SIGKILL_arrives_exactly_once_after_a_restart()
    {
        var runs = LongMode ? 20 : 3;
        var seed = Environment.TickCount;
        var random = new Random(seed);
        output.WriteLine($"seed {seed}, {runs} runs");
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(LongMode ? 10 : 2));
        var promised = new List<int>();
        for (var run = 0; run < runs; run++)
        {
            using var dir = new TempDirectory();
            var path = dir.File("queue.db");
            var from = run * 100_000;
            // Kill right after start-up, early in the stream, or deep into it.
            var killAfter = run % 3 == 0 ? random.Next(0, 5) : random.Next(1, 2_500);
            var durable = new List<int>();
            await using (var child = ChildProcess.Start("send", "--base-url", _klaviyo.BaseAddress.ToString(), "--queue-path", path, "--from", from.ToString(), "--count", "4000"))
            {
                Assert.Equal("ready", await child.ReadLineAsync(timeout.Token));
                string? line;
                while (durable.Count < killAfter && (line = await child.ReadLineAsync(timeout.Token)) is not null && line != "flushed")
                    if (line.StartsWith("durable ", StringComparison.Ordinal)) durable.Add(int.Parse(line.AsSpan(8)));
                child.Kill();
                // Lines already written before the kill were promises too.
                while ((line = await child.ReadLineAsync(timeout.Token)) is not null)
                    if (line.StartsWith("durable ", StringComparison.Ordinal)) durable.Add(int.Parse(line.AsSpan(8)));
                await child.WaitForExitAsync(timeout.Token);
            }
            await using (var drain = ChildProcess.Start("drain", "--base-url", _klaviyo.BaseAddress.ToString(), "--queue-path", path))
            {
                Assert.Equal("drained", await drain.ReadLineAsync(timeout.Token));
                var (code, stderr) = await drain.WaitForExitAsync(timeout.Token);
                Assert.True(code == 0, stderr);
            }
            output.WriteLine($"run {run}: killed after {killAfter} → {durable.Count} durable");
            promised.AddRange(durable);
        }

        var events = _klaviyo.State.Events.Where(e => e.MetricName == "Crash Test").ToList();
        var byUniqueId = events.GroupBy(e => e.UniqueId!).ToDictionary(g => g.Key, g => g.Count());
        Assert.All(promised, n => Assert.Equal(1, byUniqueId.GetValueOrDefault($"crash-{n}")));
        Assert.All(byUniqueId, pair => Assert.Equal(1, pair.Value));
        // Per person, events arrived in the order they were sent, across the kill and the restart.
        foreach (var person in events.GroupBy(e => e.ProfileId))
        {
            var numbers = person.Select(e => int.Parse(e.UniqueId!.AsSpan(6))).ToList();
            Assert.Equal(numbers.Order(), numbers);
        }
        output.WriteLine($"{promised.Count} promised, {events.Count} events in Klaviyo, {_klaviyo.State.DuplicateEventsDropped} re-sent copies dropped by unique_id");
    }
}
