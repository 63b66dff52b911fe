using Klaviyo.Destinations.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Klaviyo.Destinations.Tests.DependencyInjection;

/// <summary><c>AddKlaviyoDestinations</c>: configuration binding, one shared client, fail-fast validation.</summary>
public sealed class ServiceRegistrationTests
{
    private static IConfiguration Config(params (string Key, string? Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>("Klaviyo:" + v.Key, v.Value))).Build();

    [Fact]
    public async Task The_Klaviyo_section_binds_to_the_options_and_one_client_is_shared()
    {
        var config = Config(("ApiKey", "pk_from_config"), ("BaseUrl", "http://127.0.0.1:5080"), ("AlternateIdentifier", "Other2"),
            ("DefaultPhoneRegion", "DE"), ("KeepOrderCompletedName", "true"), ("PropertyMapping:favouriteStore", "Organization"),
            ("QueueStorage", "Memory"));
        await using var provider = new ServiceCollection().AddKlaviyoDestinations(config.GetSection("Klaviyo")).BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<KlaviyoDestinationOptions>>().Value;
        Assert.Equal("pk_from_config", options.ApiKey);
        Assert.Equal(AlternateIdentifier.Other2, options.AlternateIdentifier);
        Assert.Equal("DE", options.DefaultPhoneRegion);
        Assert.True(options.KeepOrderCompletedName);
        Assert.Equal(ProfileField.Organization, options.PropertyMapping["favouriteStore"]);
        Assert.Equal(QueueStorage.Memory, options.QueueStorage);
        Assert.Same(provider.GetRequiredService<Analytics>(), provider.GetRequiredService<Analytics>());
    }

    [Fact]
    public async Task A_missing_key_fails_when_the_client_is_resolved_with_a_message_that_says_how_to_fix_it()
    {
        await using var provider = new ServiceCollection().AddKlaviyoDestinations(Config(("BaseUrl", "https://a.klaviyo.com")).GetSection("Klaviyo")).BuildServiceProvider();
        var error = Assert.ThrowsAny<Exception>(() => provider.GetRequiredService<Analytics>());
        Assert.Contains("ApiKey is not set", error.Message);
    }

    [Fact]
    public async Task Code_configuration_and_a_registered_queue_are_used()
    {
        var outcomes = new List<DeliveryOutcome>();
        var queue = new InMemoryEventQueue(10);
        var services = new ServiceCollection()
            .AddSingleton<IEventQueue>(queue)
            .AddKlaviyoDestinations(o =>
            {
                o.ApiKey = "pk_code";
                o.QueueStorage = QueueStorage.Memory;
                o.BaseUrl = new Uri("http://127.0.0.1:1");
                o.MaxAttempts = 1;
                o.OnOutcome = outcomes.Add;
            });
        await using var provider = services.BuildServiceProvider();
        var analytics = provider.GetRequiredService<Analytics>();
        analytics.Track("u", "Configured in code");
        await analytics.FlushAsync();
        var outcome = Assert.Single(outcomes);
        Assert.Equal(DeliveryStatus.Expired, outcome.Status);
        Assert.DoesNotContain("pk_code", outcome.Reason);
    }

    [Fact]
    public async Task The_durable_queue_settings_bind_from_configuration_and_a_bad_one_fails_fast_naming_the_setting()
    {
        using var dir = new Durability.TempDirectory();
        var path = dir.File("configured.db");
        var config = Config(("ApiKey", "pk_from_config"), ("BaseUrl", "http://127.0.0.1:5080"), ("QueuePath", path),
            ("QueueSyncToDisk", "false"), ("QueueHandOffCapacity", "1234"), ("QueueReadAhead", "64"), ("MaxDeadLetters", "10"),
            ("QueueOverflow", "DropOldest"), ("MaxQueueBytes", "1048576"));
        await using (var provider = new ServiceCollection().AddKlaviyoDestinations(config.GetSection("Klaviyo")).BuildServiceProvider())
        {
            var queueOptions = provider.GetRequiredService<IOptions<KlaviyoDestinationOptions>>().Value.CreateDurableQueueOptions();
            Assert.Equal((path, 1_048_576L, QueueOverflowMode.DropOldest, false, 1_234, 64, 10),
                (queueOptions.Path, queueOptions.MaxBytes, queueOptions.Overflow, queueOptions.SyncToDisk, queueOptions.HandOffCapacity, queueOptions.ReadAhead, queueOptions.MaxDeadLetters));
            var analytics = provider.GetRequiredService<Analytics>();
            Assert.True(analytics.Destination.IsDurable);
            Assert.Contains("no fsync", provider.GetRequiredService<IOptions<KlaviyoDestinationOptions>>().Value.ToString());
        }

        await using var bad = new ServiceCollection()
            .AddKlaviyoDestinations(Config(("ApiKey", "pk_x"), ("QueuePath", dir.File("bad.db")), ("QueueReadAhead", "1")).GetSection("Klaviyo"))
            .BuildServiceProvider();
        var error = Assert.ThrowsAny<Exception>(() => bad.GetRequiredService<Analytics>());
        Assert.Contains("Klaviyo:QueueReadAhead must be at least 2", error.Message);
    }
}
