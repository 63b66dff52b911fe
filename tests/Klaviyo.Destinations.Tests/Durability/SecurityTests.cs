using System.Collections.Concurrent;
using System.Text;
using Klaviyo.Emulator;
using Microsoft.Extensions.Logging;

namespace Klaviyo.Destinations.Tests.Durability;

/// <summary>The API key never shows: not in any log line at any level, exception, outcome, ToString or the queue file.</summary>
public sealed class SecurityTests : IAsyncLifetime
{
    private const string Key = "pk_5ecret0f4ccount1234567890abcdef";
    private const string WrongKey = "pk_wr0ngKey0000000000000000000000";
    private readonly TempDirectory _dir = new();
    private KlaviyoEmulator _klaviyo = null!;

    public async Task InitializeAsync() => _klaviyo = await KlaviyoEmulator.StartAsync(new KlaviyoEmulatorOptions
    {
        Port = 0,
        RateLimitsEnabled = false,
        ValidApiKeys = new HashSet<string> { Key },
    });

    public async Task DisposeAsync()
    {
        await _klaviyo.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task A_run_with_failures_retries_rejections_and_a_bad_key_never_shows_the_key()
    {
        var logs = new CapturingLoggerProvider();
        using var loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(logs));
        var texts = new ConcurrentQueue<string>();
        KlaviyoDestinationOptions Options(string key, string file) => new()
        {
            ApiKey = key,
            BaseUrl = _klaviyo.BaseAddress,
            QueuePath = _dir.File(file),
            MaxAttempts = 3,
            RetryBaseDelay = TimeSpan.FromMilliseconds(1),
            MaxRetryDelay = TimeSpan.FromMilliseconds(5),
            FlushInterval = TimeSpan.Zero,
            OnOutcome = o => texts.Enqueue(o.ToString()),
        };

        _klaviyo.FailNext(4, 503);
        var options = Options(Key, "good.db");
        texts.Enqueue(options.ToString());
        await using (var analytics = new Analytics(options, loggerFactory: loggers))
        {
            analytics.Identify("u-1", new Dictionary<string, object?> { ["email"] = "ada@example.com", ["phone"] = "not a phone" });
            analytics.Track("u-1", "Signed Up", new Dictionary<string, object?> { ["plan"] = "pro" });
            analytics.Track(null, "No Identity");
            analytics.Track("u-2", "Late", new Dictionary<string, object?> { ["x"] = 1 }, new MessageOptions { Timestamp = new DateTimeOffset(1980, 1, 1, 0, 0, 0, TimeSpan.Zero) });
            await analytics.FlushAsync();
            texts.Enqueue(Assert.Throws<KlaviyoConfigurationException>(() => new Analytics(Options(Key, "good.db"))).Message);
        }
        await using (var wrong = new Analytics(Options(WrongKey, "wrong.db"), loggerFactory: loggers))
        {
            wrong.Track("u-3", "Unauthorized", new Dictionary<string, object?> { ["x"] = 1 });
            await wrong.FlushAsync();
        }
        foreach (var bad in new[] { new Uri("http://example.com/"), new Uri("ftp://127.0.0.1/") })
            texts.Enqueue(Assert.Throws<KlaviyoConfigurationException>(() => new Analytics(new KlaviyoDestinationOptions { ApiKey = Key, BaseUrl = bad })).Message);
        texts.Enqueue(Assert.Throws<KlaviyoConfigurationException>(() => new KlaviyoDestinationOptions { ApiKey = Key + " x" }.Validate()).Message);

        Assert.Contains(texts, t => t.Contains("Rejected"));
        Assert.Contains(logs.Entries, e => e.Contains("Retrying"));
        Assert.Contains(logs.Entries, e => e.StartsWith("Trace", StringComparison.Ordinal) || e.StartsWith("Debug", StringComparison.Ordinal));
        Assert.Contains(logs.Entries, e => e.Contains("401") || e.Contains("authentication"));
        foreach (var secret in new[] { Key, WrongKey, Key[3..], WrongKey[3..] })
        {
            Assert.DoesNotContain(logs.Entries, e => e.Contains(secret, StringComparison.Ordinal));
            Assert.DoesNotContain(texts, t => t.Contains(secret, StringComparison.Ordinal));
            foreach (var file in Directory.GetFiles(_dir.Path))
                Assert.DoesNotContain(secret, Encoding.UTF8.GetString(await File.ReadAllBytesAsync(file)));
        }
    }

    [Theory]
    [InlineData("http://example.com/", false)]
    [InlineData("http://a.klaviyo.com/", false)]
    [InlineData("http://10.0.0.5:5080/", false)]
    [InlineData("https://a.klaviyo.com/", true)]
    [InlineData("http://127.0.0.1:5080/", true)]
    [InlineData("http://localhost:5080/", true)]
    [InlineData("http://[::1]:5080/", true)]
    public void A_plain_http_base_url_is_refused_except_on_loopback(string url, bool allowed)
    {
        var options = new KlaviyoDestinationOptions { ApiKey = Key, BaseUrl = new Uri(url) };
        if (allowed)
        {
            options.Validate();
            return;
        }
        var error = Assert.Throws<KlaviyoConfigurationException>(options.Validate);
        Assert.Contains("not HTTPS", error.Message);
        Assert.DoesNotContain(Key, error.Message);
    }
}
