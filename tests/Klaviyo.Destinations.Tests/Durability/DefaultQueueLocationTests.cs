using System.Collections.Concurrent;
using Klaviyo.Emulator;
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
    public async Task Without_a_path_the_queue_lives_per_app_and_account_and_a_concurrent_instance_takes_the_next_slot()
    {
        var options = Options("pk_default_location_secret");
        var directory = DefaultQueueLocation.Directory(options, _root.Path);
        var app = System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name ?? "app";
        Assert.Equal(Path.Combine(_root.Path, "Klaviyo.Destinations", app), Path.GetDirectoryName(directory));
        Assert.DoesNotContain("secret", directory);
        Assert.Matches(@"account-[0-9a-f]{12}$", directory);

        await using (var first = DefaultQueueLocation.Open(options, NullLogger.Instance, TimeProvider.System, _root.Path))
        {
            Assert.Equal(Path.Combine(directory, "queue.db"), first.Path);
            await using (var second = DefaultQueueLocation.Open(options, NullLogger.Instance, TimeProvider.System, _root.Path))
                Assert.Equal(Path.Combine(directory, "queue-2.db"), second.Path);
        }
        // A restarted instance takes the first free slot again, and so finds what the last one left there.
        await using (var again = DefaultQueueLocation.Open(options, NullLogger.Instance, TimeProvider.System, _root.Path))
            Assert.Equal(Path.Combine(directory, "queue.db"), again.Path);

        // Another account, or the same key against another address, never shares the queue.
        Assert.NotEqual(directory, DefaultQueueLocation.Directory(Options("pk_other_account_secret"), _root.Path));
        Assert.NotEqual(directory, DefaultQueueLocation.Directory(Options("pk_default_location_secret", "http://127.0.0.1:5080"), _root.Path));
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
        // The real default location (LocalApplicationData); a key of its own keeps this test's directory apart.
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
