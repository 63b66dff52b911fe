using System.Diagnostics;
using System.Text;
using Klaviyo.Destinations.Tests.Durability;
using Microsoft.Extensions.Logging;

namespace Klaviyo.Destinations.Tests.Integrity;

/// <summary>
/// A real full disk: a 12 MB tmpfs mounted by the test (Linux, as root). Skipped with the reason where mounting is not
/// permitted, never when CI=true.
/// </summary>
public sealed class FullDiskTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private bool _mounted;

    public void Dispose()
    {
        if (_mounted) Run("umount", "-l", _dir.Path);
        _dir.Dispose();
    }

    internal static (int Exit, string Output) Run(string file, params string[] args)
    {
        try
        {
            var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var arg in args) start.ArgumentList.Add(arg);
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, output);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (-1, ex.Message);
        }
    }

    private string? Mount()
    {
        if (!OperatingSystem.IsLinux()) return "a tmpfs mount needs Linux";
        var (exit, output) = Run("mount", "-t", "tmpfs", "-o", "size=12m", "tmpfs", _dir.Path);
        if (exit != 0) return $"mounting a tmpfs is not permitted here ({output.Trim()})";
        _mounted = true;
        return null;
    }

    private static QueuedItem Item(int i) => new()
    {
        Kind = ItemKind.Event,
        MessageId = $"m-{i}",
        UserKey = $"user-{i}",
        Metric = "Viewed",
        UniqueId = $"m-{i}",
        Profile = Encoding.UTF8.GetBytes($$"""{"email":"u{{i}}@example.com"}"""),
        Properties = Encoding.UTF8.GetBytes($$"""{"pad":"{{new string('x', 900)}}"}"""),
    };

    [TmpfsFact]
    public async Task On_a_full_disk_delivered_items_are_still_removed_and_the_queue_takes_new_items_again_by_itself()
    {
        Assert.Null(Mount());
        var path = Path.Combine(_dir.Path, "queue.db");
        var logs = new CapturingLoggerProvider();
        using var loggers = Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.AddProvider(logs));
        await using var queue = new SqliteEventQueue(new SqliteEventQueueOptions { Path = path }, loggers.CreateLogger("queue"));

        // Fill the file system until the queue cannot keep a new item.
        var accepted = new List<QueuedItem>();
        var full = false;
        for (var round = 0; round < 400 && !full; round++)
        {
            var batch = Enumerable.Range(round * 100, 100).Select(Item).ToList();
            foreach (var item in batch) Assert.True(queue.Enqueue(item).Accepted);
            foreach (var item in batch)
            {
                if (await queue.WhenDurableAsync(item, CancellationToken.None)) accepted.Add(item);
                else full = true;
            }
        }
        Assert.True(full, "the 12 MB file system never filled");
        Assert.True(accepted.Count > 500);

        // Deliver everything that was kept: every item must leave the queue although the disk is full.
        var taken = 0;
        while (taken < accepted.Count)
        {
            await queue.WaitToReadAsync(CancellationToken.None);
            while (queue.TryDequeue(out var item))
            {
                await queue.CompleteAsync(item, CancellationToken.None);
                taken++;
            }
        }
        try
        {
            await queue.WaitUntilEmptyAsync().WaitAsync(TimeSpan.FromSeconds(20));
        }
        catch (TimeoutException)
        {
            Assert.Fail(string.Join("\n", logs.Entries.Where(e => !e.Contains("Debug", StringComparison.Ordinal)).Take(12).Select(e => e[..Math.Min(600, e.Length)])));
        }
        Assert.Equal(0, queue.StoredCount);

        // And it takes new items again, with no one freeing space for it.
        var after = Enumerable.Range(100_000, 200).Select(Item).ToList();
        foreach (var item in after) Assert.True(queue.Enqueue(item).Accepted);
        foreach (var item in after) Assert.True(await queue.WhenDurableAsync(item, CancellationToken.None));
    }
}

/// <summary>A fact that needs a tmpfs mount: skipped with the reason where mounting is not permitted, except when CI=true.</summary>
public sealed class TmpfsFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> s_reason = new(Probe);

    public TmpfsFactAttribute()
    {
        if (s_reason.Value is { } reason && Environment.GetEnvironmentVariable("CI") != "true") Skip = reason;
    }

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux()) return "a tmpfs mount needs Linux";
        var dir = Directory.CreateTempSubdirectory("klaviyo-tmpfs-probe-");
        try
        {
            var (exit, output) = FullDiskTests.Run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", dir.FullName);
            if (exit != 0) return $"mounting a tmpfs is not permitted here ({output.Trim()})";
            FullDiskTests.Run("umount", dir.FullName);
            return null;
        }
        finally
        {
            try { dir.Delete(); } catch (IOException) { }
        }
    }
}
