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
        var small = await PeakRssAsync(15_000);
        var large = await PeakRssAsync(150_000);
        // Holding as little as 100 bytes a line would add 13.5 MB here.
        Assert.True(large < small + 10_000_000, $"peak RSS {small / 1e6:N1} MB at 15,000 lines, {large / 1e6:N1} MB at 150,000 lines");
    }
}
