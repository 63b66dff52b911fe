using Klaviyo.Emulator;

namespace Klaviyo.Destinations.Tests.Cli;

/// <summary>
/// A backfill killed with SIGKILL mid-run: <c>drain</c> delivers what its durable queue kept, and running <c>send</c>
/// again resumes after the checkpoint. In the end every line is in Klaviyo exactly once.
/// </summary>
public sealed class CliCrashTests : IAsyncLifetime
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("klaviyo-cli-crash-");
    private KlaviyoEmulator _klaviyo = null!;

    public async Task InitializeAsync() => _klaviyo = await KlaviyoEmulator.StartAsync(new KlaviyoEmulatorOptions
    {
        RateLimitsEnabled = false,
        Faults = new EmulatorFaults { Latency = TimeSpan.FromMilliseconds(15) },
    });

    public async Task DisposeAsync()
    {
        await _klaviyo.DisposeAsync();
        _work.Delete(recursive: true);
    }

    [Fact]
    public async Task Drain_after_a_SIGKILL_then_resume_delivers_every_line_exactly_once()
    {
        const int Lines = 300;
        var file = Path.Combine(_work.FullName, "history.ndjson");
        File.WriteAllLines(file, Enumerable.Range(1, Lines).Select(i =>
            $$"""{"type":"track","userId":"u{{i % 5}}","event":"Replayed","properties":{"i":{{i}}},"messageId":"line-{{i}}"}"""));
        var queue = Path.Combine(_work.FullName, "queue.db");
        string[] send = ["send", file, "--base-url", _klaviyo.BaseAddress.ToString(), "--api-key", "pk_crash", "--quiet", "--no-batch",
            "--queue-path", queue, "--checkpoint-every", "40"];

        // Kill the run the moment its first checkpoint is written (an inotify event, no polling).
        using var watcher = new FileSystemWatcher(_work.FullName, "history.ndjson.checkpoint") { EnableRaisingEvents = true };
        var checkpointed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        watcher.Created += (_, _) => checkpointed.TrySetResult();
        watcher.Renamed += (_, _) => checkpointed.TrySetResult();
        using (var run = CliProcess.Start(_work.FullName, null, send))
        {
            run.StandardInput.Close();
            await checkpointed.Task.WaitAsync(TimeSpan.FromMinutes(2));
            run.Kill(entireProcessTree: true);
            await run.WaitForExitAsync();
        }
        var afterKill = _klaviyo.State.Events.Count;
        Assert.InRange(afterKill, 40, Lines - 1);

        var drained = await CliProcess.RunAsync(_work.FullName, "drain", "--queue-path", queue, "--base-url", _klaviyo.BaseAddress.ToString(), "--api-key", "pk_crash");
        Assert.True(drained.ExitCode == 0, drained.Stdout + drained.Stderr);

        var resumed = await CliProcess.RunAsync(_work.FullName, send);
        Assert.True(resumed.ExitCode == 0, resumed.Stdout + resumed.Stderr);

        var ids = _klaviyo.State.Events.Select(e => e.UniqueId!).ToList();
        Assert.Equal(Lines, ids.Count);
        Assert.Equal(Enumerable.Range(1, Lines).Select(i => $"line-{i}").Order(), ids.Order());
    }
}
