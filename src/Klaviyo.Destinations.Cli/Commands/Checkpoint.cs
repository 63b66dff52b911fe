using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace Klaviyo.Destinations.Cli.Commands;

/// <summary>
/// The last input line whose messages all reached a final outcome, and the byte offset after it, kept next to the input
/// so an interrupted run resumes there (by seeking, not re-reading). It knows its input: the file's size, a SHA-256 of
/// its first 64 KiB and of the 4 KiB before the offset; resuming a different or changed file is refused. Written
/// atomically (temp file + rename).
/// </summary>
internal sealed class Checkpoint(string path)
{
    private const int PrefixBytes = 64 * 1024;
    private const int TailBytes = 4 * 1024;

    public string Path { get; } = path;

    /// <summary>Where to resume in <paramref name="input"/>: (0, 0) without a checkpoint. Throws a usage error for another file.</summary>
    public (long Line, long Offset) Read(string input, InputFingerprint fingerprint)
    {
        if (!File.Exists(Path)) return (0, 0);
        var text = File.ReadAllText(Path).Trim();
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var legacyLine))
            throw new UsageException($"Checkpoint '{Path}' (line {legacyLine:N0}) was written by an older klaviyo-dest and cannot prove it belongs to '{input}'. " +
                "Pass --restart to send the file from the start (events carry deterministic unique ids, so Klaviyo does not count a re-sent event twice).");
        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            var line = root.GetProperty("line").GetInt64();
            var offset = root.GetProperty("offset").GetInt64();
            var size = root.GetProperty("size").GetInt64();
            var prefix = root.GetProperty("prefix_sha256").GetString();
            var tail = root.GetProperty("tail_sha256").GetString();
            if (size != fingerprint.Size || prefix != fingerprint.PrefixHash || offset > fingerprint.Size || tail != TailHash(input, offset))
                throw new UsageException($"Checkpoint '{Path}' belongs to a different input: it was written for a file of {size:N0} bytes " +
                    $"(SHA-256 of the start {prefix?[..12]}…), '{input}' is {fingerprint.Size:N0} bytes (start {fingerprint.PrefixHash[..12]}…){(size == fingerprint.Size && prefix == fingerprint.PrefixHash ? " and differs before the resume point" : "")}. " +
                    "Resuming would skip or repeat lines. Pass --restart to send this file from the start, or --checkpoint FILE to keep a separate checkpoint.");
            return (line, offset);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new UsageException($"Checkpoint file '{Path}' is damaged; delete it or pass --restart.");
        }
    }

    public void Write(string input, InputFingerprint fingerprint, long line, long offset)
    {
        var temp = Path + ".tmp";
        using (var stream = File.Create(temp))
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("input", System.IO.Path.GetFileName(input));
            json.WriteNumber("line", line);
            json.WriteNumber("offset", offset);
            json.WriteNumber("size", fingerprint.Size);
            json.WriteString("prefix_sha256", fingerprint.PrefixHash);
            json.WriteString("tail_sha256", TailHash(input, offset));
            json.WriteString("written_at", DateTimeOffset.UtcNow);
            json.WriteEndObject();
        }
        File.Move(temp, Path, overwrite: true);
    }

    public void Delete()
    {
        if (File.Exists(Path)) File.Delete(Path);
    }

    /// <summary>SHA-256 of the (up to) 4 KiB before <paramref name="offset"/>: the lines just before the resume point.</summary>
    private static string TailHash(string input, long offset)
    {
        using var file = new FileStream(input, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
        var start = Math.Max(0, offset - TailBytes);
        var buffer = new byte[offset - start];
        file.Position = start;
        file.ReadExactly(buffer);
        return Convert.ToHexStringLower(SHA256.HashData(buffer));
    }

    /// <summary>The identity of an input file: its size and a SHA-256 of its first 64 KiB.</summary>
    public static InputFingerprint Fingerprint(string input)
    {
        using var file = new FileStream(input, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
        var buffer = new byte[(int)Math.Min(PrefixBytes, file.Length)];
        file.ReadExactly(buffer);
        return new InputFingerprint(file.Length, Convert.ToHexStringLower(SHA256.HashData(buffer)));
    }
}

/// <summary>An input file's size and the SHA-256 of its first 64 KiB.</summary>
internal sealed record InputFingerprint(long Size, string PrefixHash);
