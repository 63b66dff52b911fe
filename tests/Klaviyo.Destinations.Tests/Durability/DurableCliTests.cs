using Klaviyo.Destinations.Tests.Cli;
using Klaviyo.Emulator;

namespace Klaviyo.Destinations.Tests.Durability;

/// <summary><c>klaviyo-dest drain</c> and <c>klaviyo-dest dead-letters</c> as processes, on a queue an app left behind.</summary>
public sealed class DurableCliTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private KlaviyoEmulator _klaviyo = null!;

    public async Task InitializeAsync() => _klaviyo = await KlaviyoEmulator.StartAsync(new KlaviyoEmulatorOptions { Port = 0, RateLimitsEnabled = false });

    public async Task DisposeAsync()
    {
        await _klaviyo.DisposeAsync();
        _dir.Dispose();
    }

    /// <summary>
    /// A queue file holding <paramref name="count"/> dead letters: events <paramref name="metric"/> with message ids
    /// <c>{idPrefix}-1…</c> from users <c>u-1…</c>, each given up after one attempt that Klaviyo answered 503.
    /// </summary>
    private async Task<string> DeadLettersAsync(string file, string metric, string idPrefix, int count)
    {
        var path = _dir.File(file);
        _klaviyo.SetFaults(new EmulatorFaults { FailureRate = 1, FailureStatusCode = 503 });
        await using (var analytics = new Analytics(new KlaviyoDestinationOptions
        {
            ApiKey = "pk_cli_secret",
            BaseUrl = _klaviyo.BaseAddress,
            QueuePath = path,
            MaxAttempts = 1,
            FlushInterval = TimeSpan.Zero,
        }))
        {
            for (var n = 1; n <= count; n++)
                analytics.Track($"u-{n}", metric, new Dictionary<string, object?> { ["n"] = n }, new MessageOptions { MessageId = $"{idPrefix}-{n}" });
            await analytics.FlushAsync();
        }
        _klaviyo.ClearFaults();
        return path;
    }

    [Fact]
    public async Task Dead_letters_are_listed_replayed_and_then_drained_into_Klaviyo()
    {
        var path = await DeadLettersAsync("queue.db", "Left Behind", "left", 2);

        var listed = await CliProcess.RunAsync(_dir.Path, "dead-letters", "--queue-path", path);
        Assert.True(listed.ExitCode == 0, listed.Stderr);
        var lines = listed.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Contains("\"unique_id\":\"left-1\"", lines[0]);
        Assert.Contains("503", lines[0]);

        var replayed = await CliProcess.RunAsync(_dir.Path, "dead-letters", "--queue-path", path, "--replay");
        Assert.True(replayed.ExitCode == 0, replayed.Stderr);
        Assert.Contains("Replayed 2 dead letters", replayed.Stdout);

        var drained = await CliProcess.RunAsync(_dir.Path, "drain", "--queue-path", path, "--base-url", _klaviyo.BaseAddress.ToString(), "--api-key", "pk_cli_secret");
        Assert.True(drained.ExitCode == 0, drained.Stdout + drained.Stderr);
        Assert.Contains("2 delivered", drained.Stdout);
        Assert.Equal(["left-1", "left-2"], _klaviyo.State.Events.Where(e => e.MetricName == "Left Behind").Select(e => e.UniqueId).Order());
        Assert.DoesNotContain("pk_cli_secret", drained.Stdout + drained.Stderr);
    }

    [Fact]
    public async Task Dead_letters_are_purged_by_id_then_all()
    {
        var path = await DeadLettersAsync("purge.db", "Purged Later", "purge", 3);
        var ids = (await CliProcess.RunAsync(_dir.Path, "dead-letters", "--queue-path", path)).Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("id").GetInt64()).ToList();
        Assert.Equal(3, ids.Count);

        var one = await CliProcess.RunAsync(_dir.Path, "dead-letters", "--queue-path", path, "--purge", "--id", ids[1].ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(one.ExitCode == 0, one.Stderr);
        Assert.Contains("Purged 1 dead letters", one.Stdout);
        var left = (await CliProcess.RunAsync(_dir.Path, "dead-letters", "--queue-path", path)).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal([ids[0], ids[2]], left.Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("id").GetInt64()));

        var all = await CliProcess.RunAsync(_dir.Path, "dead-letters", "--queue-path", path, "--purge");
        Assert.Contains("Purged 2 dead letters", all.Stdout);
        Assert.Equal("", (await CliProcess.RunAsync(_dir.Path, "dead-letters", "--queue-path", path)).Stdout.Trim());
        await using var queue = new SqliteEventQueue(path);
        Assert.Equal(0, queue.DeadLetterCount);
        Assert.DoesNotContain(_klaviyo.State.Events, e => e.MetricName == "Purged Later");
    }

    [Fact]
    public async Task Drain_refuses_a_queue_another_owner_holds()
    {
        var path = _dir.File("held.db");
        await using var owner = new SqliteEventQueue(path);
        var drained = await CliProcess.RunAsync(_dir.Path, "drain", "--queue-path", path, "--base-url", _klaviyo.BaseAddress.ToString(), "--api-key", "pk_x");
        Assert.Equal(2, drained.ExitCode);
        Assert.Contains("already open in another Analytics instance or process", drained.Stderr);
    }
}
