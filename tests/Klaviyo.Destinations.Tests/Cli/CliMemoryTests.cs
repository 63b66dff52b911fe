using System.Text.Json.Nodes;

namespace Klaviyo.Destinations.Tests.Cli;

/// <summary>
/// klaviyo-dest reads its input as a stream: a dry run ten times longer peaks at about the same resident set (the child
/// reports its peak RSS in the summary line). The 100k/1M-line backfill into the emulator is a documented measurement
/// in the README (too slow for CI on 2 cores).
/// </summary>
public sealed class CliMemoryTests : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("klaviyo-cli-mem-");

    public void Dispose() => _work.Delete(recursive: true);

    private async Task<long> PeakRssAsync(int lines)
    {
        var file = Path.Combine(_work.FullName, $"export-{lines}.ndjson");
        await File.WriteAllLinesAsync(file, Enumerable.Range(1, lines).Select(i => i % 10 == 0
            ? $$"""{"type":"identify","userId":"u{{i % 10_000}}","traits":{"email":"user{{i % 10_000}}@example.com","first_name":"Ada"},"messageId":"m-{{i}}"}"""
            : $$"""{"type":"track","userId":"u{{i % 10_000}}","event":"Viewed Item","properties":{"sku":"S{{i % 977}}","price":{{i % 100}}.5},"messageId":"m-{{i}}"}"""));
        using var process = CliProcess.Start(_work.FullName, null, "send", file, "--dry-run");
        process.StandardInput.Close();
        var requests = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        await requests;
        var report = await stderr;
        Assert.True(process.ExitCode == 0, report);
        var summary = JsonNode.Parse(report.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1])!["summary"]!;
        Assert.Equal(lines, (long)summary["lines"]!);
        return (long)summary["peak_rss_bytes"]!;
    }

    [Fact]
    public async Task A_dry_run_ten_times_longer_peaks_at_about_the_same_memory()
    {
        // Both runs are past the warm-up (every one of the 10,000 people and their caches is seen by line 10,000), so
        // what differs is what is kept per line.
        var small = await PeakRssAsync(30_000);
        var large = await PeakRssAsync(300_000);
        // Before the streaming reader, each line kept about 270 bytes (92 MB at 30k lines, 165 MB at 300k); allow well
        // under half of that per line for GC lag, so any per-line retention of a message id or a line still fails.
        const int bytesPerLine = 100;
        Assert.True(large < small + bytesPerLine * 270_000L, $"peak RSS {small / 1e6:N1} MB at 30,000 lines, {large / 1e6:N1} MB at 300,000 lines");
    }
}
