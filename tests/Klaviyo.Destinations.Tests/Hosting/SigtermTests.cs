using System.Diagnostics;
using Klaviyo.Destinations.Tests.Durability;
using Klaviyo.Emulator;

namespace Klaviyo.Destinations.Tests.Hosting;

/// <summary>
/// A generic host (the crash child's <c>host</c> mode) stopped by SIGTERM, as a container runtime stops it: the hosted
/// service delivers what is queued before the process exits, even with the in-memory queue and a 1 h flush interval.
/// </summary>
public sealed class SigtermTests : IAsyncLifetime
{
    private KlaviyoEmulator _klaviyo = null!;

    public async Task InitializeAsync() => _klaviyo = await KlaviyoEmulator.StartAsync(new KlaviyoEmulatorOptions { Port = 0, RateLimitsEnabled = false });

    public async Task DisposeAsync() => await _klaviyo.DisposeAsync();

    [Fact]
    public async Task SIGTERM_delivers_what_is_queued_before_the_process_exits()
    {
        if (OperatingSystem.IsWindows()) return; // SIGTERM is a Unix signal
        const int Count = 50;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await using var child = ChildProcess.Start("host", "--queue-path", "unused.db", "--base-url", _klaviyo.BaseAddress.ToString(), "--count", Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("accepted", await child.ReadLineAsync(timeout.Token));
        Assert.Empty(_klaviyo.State.Events);   // the 1 h flush interval holds everything back

        using (var kill = Process.Start("kill", ["-TERM", child.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
            await kill.WaitForExitAsync(timeout.Token);
        Assert.Equal("stopped", await child.ReadLineAsync(timeout.Token));
        var (exitCode, stderr) = await child.WaitForExitAsync(timeout.Token);

        Assert.True(exitCode == 0, stderr);
        Assert.Equal(Count, _klaviyo.State.Events.Count(e => e.MetricName == "Host Drain Test"));
    }
}
