using Klaviyo.Destinations.Tests.Cli;
using Klaviyo.Destinations.Tests.Durability;
using Klaviyo.Emulator;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Klaviyo.Destinations.Tests.Integrity;

/// <summary>The key and URL credentials stay out of structured log state (arrays expanded), errors and CLI output.</summary>
public sealed class SecretLeakTests : IAsyncLifetime
{
    private const string Key = "pk_structur3dLogSecret000000000000";
    private readonly TempDirectory _dir = new();
    private KlaviyoEmulator _klaviyo = null!;

    public async Task InitializeAsync() => _klaviyo = await KlaviyoEmulator.StartAsync(new KlaviyoEmulatorOptions { Port = 0, RateLimitsEnabled = false });

    public async Task DisposeAsync()
    {
        await _klaviyo.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task AddKlaviyoDestinations_at_Trace_never_puts_the_key_in_HttpClientFactorys_structured_header_log()
    {
        var logs = new CapturingLoggerProvider();
        var services = new ServiceCollection()
            .AddLogging(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(logs))
            .AddKlaviyoDestinations(o =>
            {
                o.ApiKey = Key;
                o.BaseUrl = _klaviyo.BaseAddress;
                o.QueuePath = _dir.File("di.db");
            });
        await using (var provider = services.BuildServiceProvider())
        {
            var analytics = provider.GetRequiredService<Analytics>();
            analytics.Identify("u1", new Dictionary<string, object?> { ["email"] = "a@example.com" });
            analytics.Track("u1", "Viewed", new Dictionary<string, object?> { ["email"] = "a@example.com" });
            await analytics.FlushAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        }

        // The structured header log is there (so the scan looks at it), and the key is in none of it.
        Assert.Contains(logs.Entries, e => e.Contains("Request Headers", StringComparison.Ordinal) && e.Contains("revision=[", StringComparison.Ordinal));
        var leaks = logs.Entries.Where(e => e.Contains(Key, StringComparison.Ordinal) || e.Contains(Key[3..], StringComparison.Ordinal)).ToList();
        Assert.True(leaks.Count == 0, string.Join("\n", leaks));
        Assert.Single(_klaviyo.State.Events);
        Assert.NotNull(_klaviyo.State.FindProfile("a@example.com"));
    }

    [Theory]
    [InlineData("https://admin:hunter2pass@a.klaviyo.com/")]
    [InlineData("http://admin:hunter2pass@example.com/")]
    public void A_base_url_with_credentials_is_refused_at_startup_without_repeating_them(string url)
    {
        var options = new KlaviyoDestinationOptions { ApiKey = Key, BaseUrl = new Uri(url), QueueStorage = QueueStorage.Memory };
        var error = Assert.Throws<KlaviyoConfigurationException>(options.Validate);
        Assert.Contains("user name or password", error.Message);
        Assert.DoesNotContain("hunter2pass", error.Message);
        Assert.DoesNotContain("hunter2pass", options.ToString());
    }

    [Fact]
    public async Task The_CLI_never_echoes_credentials_given_in_base_url()
    {
        var file = _dir.File("in.ndjson");
        await File.WriteAllTextAsync(file, """{"type":"track","userId":"u1","event":"Viewed"}""" + "\n");
        var valid = await CliProcess.RunAsync(_dir.Path, "send", file, "--api-key", Key, "--base-url", "https://admin:hunter2pass@a.klaviyo.com/");
        var invalid = await CliProcess.RunAsync(_dir.Path, "send", file, "--api-key", Key, "--base-url", "admin:hunter2pass@not a url");
        Assert.NotEqual(0, valid.ExitCode);
        Assert.NotEqual(0, invalid.ExitCode);
        Assert.Contains("user name or password", valid.Stderr);
        foreach (var output in new[] { valid.Stdout, valid.Stderr, invalid.Stdout, invalid.Stderr })
            Assert.DoesNotContain("hunter2pass", output);
    }
}
