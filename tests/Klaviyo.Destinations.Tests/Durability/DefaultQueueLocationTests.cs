using System.Collections.Concurrent;
using Klaviyo.Emulator;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Klaviyo.Destinations.Tests.Durability;

/// <summary>The durable queue is the default: where it lives without a QueuePath, slots for concurrent instances, failures.</summary>
public sealed class DefaultQueueLocationTests : IAsyncLifetime
{
    private readonly TempDirectory _root = new();
    private readonly ConcurrentQueue<DeliveryOutcome> _outcomes = new();
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));
    private KlaviyoEmulator _klaviyo = null!;

    public async Task InitializeAsync() => _klaviyo = await KlaviyoEmulator.StartAsync(new KlaviyoEmulatorOptions { Port = 0, RateLimitsEnabled = false });

    public async Task DisposeAsync()
    {
        await _klaviyo.DisposeAsync();
        _timeout.Dispose();
        _root.Dispose();
    }

    private static KlaviyoDestinationOptions Options(string key, string url = "https://a.klaviyo.com") => new() { ApiKey = key, BaseUrl = new Uri(url) };

    [Fact]
    public async Task Without_a_path_the_queue_lives_per_app_and_Klaviyo_address_and_a_concurrent_instance_takes_the_next_slot()
    {
        var options = Options("pk_default_location_secret");
        var directory = DefaultQueueLocation.Directory(options, _root.Path);
        var app = System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name ?? "app";
        Assert.Equal(Path.Combine(_root.Path, "Klaviyo.Destinations", app), Path.GetDirectoryName(directory));
        Assert.DoesNotContain("secret", directory);
        Assert.Equal("a.klaviyo.com", Path.GetFileName(directory));

        await using (var first = DefaultQueueLocation.Open(options, NullLogger.Instance, TimeProvider.System, _root.Path))
        {
            Assert.Equal(Path.Combine(directory, "queue.db"), first.Path);
            await using (var second = DefaultQueueLocation.Open(options, NullLogger.Instance, TimeProvider.System, _root.Path))
                Assert.Equal(Path.Combine(directory, "queue-2.db"), second.Path);
        }
        // A restarted instance takes the first free slot again, and so finds what the last one left there.
        await using (var again = DefaultQueueLocation.Open(options, NullLogger.Instance, TimeProvider.System, _root.Path))
            Assert.Equal(Path.Combine(directory, "queue.db"), again.Path);

        // A rotated key keeps the queue; another address (the emulator) never shares it.
        Assert.Equal(directory, DefaultQueueLocation.Directory(Options("pk_rotated_key_secret"), _root.Path));
        Assert.EndsWith("127.0.0.1-5080", DefaultQueueLocation.Directory(Options("pk_default_location_secret", "http://127.0.0.1:5080"), _root.Path));
    }

    [Fact]
    public async Task A_queue_under_the_earlier_key_based_default_is_adopted_and_others_are_reported()
    {
        var options = Options("pk_legacy_secret");
        var legacy = DefaultQueueLocation.LegacyDirectory(options, _root.Path);
        Assert.Matches(@"account-[0-9a-f]{12}$", legacy);
        await using (var earlier = new SqliteEventQueue(Path.Combine(legacy, "queue.db")))
        {
            for (var n = 0; n < 7; n++)
            {
                var item = QueueItems.Event("u", n);
                Assert.True(earlier.Enqueue(item).Accepted);
                Assert.True(await earlier.WhenDurableAsync(item, CancellationToken.None));
            }
        }
        var otherKeys = DefaultQueueLocation.LegacyDirectory(Options("pk_some_other_key"), _root.Path);
        await using (new SqliteEventQueue(Path.Combine(otherKeys, "queue.db")))
        {
        }
        var logs = new CapturingLoggerProvider();
        using var loggers = LoggerFactory.Create(l => l.AddProvider(logs));

        await using (var adopted = DefaultQueueLocation.Open(options, loggers.CreateLogger("test"), TimeProvider.System, _root.Path))
        {
            Assert.Equal(Path.Combine(DefaultQueueLocation.Directory(options, _root.Path), "queue.db"), adopted.Path);
            Assert.Equal(7, adopted.StoredCount);
        }
        Assert.False(Directory.Exists(legacy));
        Assert.Contains(logs.Entries, e => e.Contains("was adopted", StringComparison.Ordinal) && e.Contains(legacy, StringComparison.Ordinal));
        Assert.Contains(logs.Entries, e => e.Contains("klaviyo-dest drain --queue-path", StringComparison.Ordinal) && e.Contains(otherKeys, StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(otherKeys, "queue.db")));   // left alone: it belongs to another key
        Assert.DoesNotContain(logs.Entries, e => e.Contains("secret", StringComparison.Ordinal));
    }

    [Fact]
    public async Task When_every_slot_is_taken_the_next_instance_fails_saying_how_to_fix_it()
    {
        var options = Options("pk_slots_secret");
        var open = new List<SqliteEventQueue>();
        try
        {
            for (var i = 0; i < DefaultQueueLocation.Slots; i++) open.Add(DefaultQueueLocation.Open(options, NullLogger.Instance, TimeProvider.System, _root.Path));
            var error = Assert.Throws<KlaviyoConfigurationException>(() => DefaultQueueLocation.Open(options, NullLogger.Instance, TimeProvider.System, _root.Path));
            Assert.Contains($"All {DefaultQueueLocation.Slots} default durable queues", error.Message);
            Assert.Contains("Klaviyo:QueuePath", error.Message);
            Assert.DoesNotContain("pk_slots_secret", error.Message);
        }
        finally
        {
            foreach (var queue in open) await queue.DisposeAsync();
        }
    }

    [Fact]
    public void An_unwritable_default_location_or_a_contradictory_setting_fails_fast_saying_how_to_fix_it()
    {
        var notADirectory = _root.File("a-file");
        File.WriteAllText(notADirectory, "");
        var error = Assert.Throws<KlaviyoConfigurationException>(() => DefaultQueueLocation.Open(Options("pk_x"), NullLogger.Instance, TimeProvider.System, notADirectory));
        Assert.Contains("cannot be created", error.Message);
        Assert.Contains("Klaviyo:QueuePath", error.Message);
        Assert.Contains("Klaviyo:QueueStorage to Memory", error.Message);

        var both = Options("pk_x");
        both.QueuePath = _root.File("q.db");
        both.QueueStorage = QueueStorage.Memory;
        Assert.Contains("Klaviyo:QueuePath is set but Klaviyo:QueueStorage is Memory", Assert.Throws<KlaviyoConfigurationException>(both.Validate).Message);
    }

    [Fact]
    public async Task A_client_with_default_settings_is_durable_and_the_next_run_delivers_what_the_last_one_left()
    {
        // The real default location (LocalApplicationData); this test's emulator port keeps its directory apart.
        var key = "pk_default_" + Guid.NewGuid().ToString("N");
        var options = new KlaviyoDestinationOptions
        {
            ApiKey = key,
            BaseUrl = _klaviyo.BaseAddress,
            ShutdownTimeout = TimeSpan.FromMilliseconds(100),
            RetryBaseDelay = TimeSpan.FromMilliseconds(2),
            MaxRetryDelay = TimeSpan.FromMilliseconds(20),
            FlushInterval = TimeSpan.FromMilliseconds(20),
            OnOutcome = _outcomes.Enqueue,
        };
        var directory = DefaultQueueLocation.Directory(options);
        try
        {
            Assert.Equal(QueueStorage.Disk, new KlaviyoDestinationOptions().QueueStorage);
            _klaviyo.GoDown(TimeSpan.FromMinutes(5));
            await using (var analytics = new Analytics(options))
            {
                Assert.True(analytics.Destination.IsDurable);
                for (var n = 0; n < 5; n++)
                    Assert.True(await analytics.TrackAsync("u-1", "Default Durable", new Dictionary<string, object?> { ["n"] = n }, new MessageOptions { MessageId = $"dd-{n}" }));
            }
            Assert.Empty(_klaviyo.State.Events);
            Assert.True(File.Exists(Path.Combine(directory, "queue.db")));

            _klaviyo.ClearFaults();
            await using (var next = new Analytics(options))
                await next.FlushAsync(_timeout.Token);
            Assert.Equal(5, _klaviyo.State.Events.Count(e => e.MetricName == "Default Durable"));
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }
}
